import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_NAMES, AUDIT_ACTIONS } from '../../src/domain/audit-actions.js';

const docRows = (): string[] => {
  const doc = readFileSync(new URL('../../../../docs/audit.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/^\|\s*`([a-z_]+\.[a-z_]+)`\s*\|/gm)].map(([, action]) => action ?? '');
};

describe('audit actions', () => {
  it('docs/audit.md lists exactly the actions the server can emit, in the same order', () => {
    expect(docRows()).toEqual(AUDIT_ACTION_NAMES);
  });

  it('every action is noun.past_verb, listed once, with a description', () => {
    expect(new Set(AUDIT_ACTION_NAMES).size).toBe(AUDIT_ACTION_NAMES.length);
    for (const [action, description] of AUDIT_ACTIONS) {
      expect(action).toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(description.length, action).toBeGreaterThan(10);
    }
  });
});
