import { html, type SafeHtml } from './escape-html.js';

/** Served at this path; the CSP allows styles from this origin only. */
export const STYLESHEET_PATH = '/sso/style.css';

/**
 * The hosted pages' Content-Security-Policy: nothing from anywhere unless named, no script at
 * all, styles only from this server, forms post only here, and no framing (clickjacking).
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A complete page: plain HTML, one stylesheet, no script. */
export const layout = (title: string, body: SafeHtml): string => page(title, undefined, body);

/** A page that sends the browser on to `location` at once (meta refresh, no script). */
export const layoutWithRefresh = (title: string, location: string, body: SafeHtml): string =>
  page(title, location, body);

const page = (title: string, refresh: string | undefined, body: SafeHtml): string =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        ${refresh === undefined ? undefined : html`<meta http-equiv="refresh" content="0;url=${refresh}" />`}
        <title>${title} · Cutoff</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `.value;

/** An error announced to assistive technology as soon as the page loads. */
export const alertBox = (message: string | undefined): SafeHtml | undefined =>
  message === undefined ? undefined : html`<p class="alert" role="alert">${message}</p>`;

export const STYLESHEET = `body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:22rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin:0 0 1.5rem}
label{display:block;margin:1rem 0 .3rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.55rem;font-size:1rem;border:1px solid #888;border-radius:4px}
input:focus,button:focus{outline:3px solid #1a5fb4;outline-offset:1px}
button{margin-top:1.5rem;width:100%;padding:.65rem;font-size:1rem;font-weight:600;color:#fff;background:#1a5fb4;border:0;border-radius:4px;cursor:pointer}
button.secondary{margin-top:.75rem;color:#1a5fb4;background:#fff;border:2px solid #1a5fb4}
ul{padding-left:1.2rem}
.alert{padding:.7rem;border-left:4px solid #c01c28;background:#fdecea;color:#7a0e15}
`;
