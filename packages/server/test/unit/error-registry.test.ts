import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_REGISTRY } from '../../src/domain/errors.js';

describe('error registry', () => {
  it('matches docs/errors.md code for code, status and error string', () => {
    const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*`([a-z_]+)`\s*\|/gm)].map(
      ([, code, status, error]) => ({
        code,
        status: Number(status),
        error,
      }),
    );
    const registry = Object.entries(ERROR_REGISTRY).map(([code, entry]) => ({
      code,
      status: entry.status,
      error: entry.error,
    }));
    expect(rows).toEqual(registry);
  });

  it('every 5xx has a public message that reveals nothing internal', () => {
    for (const [code, entry] of Object.entries(ERROR_REGISTRY)) {
      if (entry.status >= 500)
        expect(entry.message, code).not.toMatch(/sql|stack|exception|postgres|sqlite/i);
    }
  });
});
