import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/http/pages/escape-html.js';

describe('HTML escaping for the hosted pages', () => {
  it('escapes the five characters that can change the meaning of text or of a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('escapes every interpolation of a template, but not fragments the template built', () => {
    const name = '"><img src=x onerror=alert(1)>';
    const inner = html`<b>${name}</b>`;
    const page = html`<p title="${name}">${inner}${[name, 1]}${undefined}${false}</p>`;
    expect(page.value).toBe(
      '<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"><b>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</b>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;1</p>',
    );
  });
});
