import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GuardError } from '../src/index.js';
import { GUARD_ERROR_CODES, GUARD_ERROR_DESCRIPTIONS, createGuard } from '../src/index.js';
import { FakeCutoff } from './support/fake-cutoff.js';
import { closeGuards, recordingLogger, startGuard } from './support/guard-setup.js';

describe('guard error codes', () => {
  it('the README table lists exactly the codes the guard throws, in the same order', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|/gm)].map(([, code]) => code);
    expect(rows).toEqual([...GUARD_ERROR_CODES]);
  });
});

describe('GuardError: public message, internal detail', () => {
  let fake: FakeCutoff;
  beforeAll(async () => {
    fake = await FakeCutoff.start();
  });
  afterEach(closeGuards);
  afterAll(async () => {
    await fake.close();
  });

  it('a refused token says only the public description; why it failed is in detail', async () => {
    const guard = await startGuard(fake);
    const token = await fake.sign({ aud: 'other-api' });
    const error = await guard.verify(token).then(
      () => undefined,
      (e: unknown) => e as GuardError,
    );
    expect(error?.code).toBe('ERR_TOKEN_INVALID');
    expect(error?.message).toBe(GUARD_ERROR_DESCRIPTIONS.ERR_TOKEN_INVALID);
    expect(error?.detail).toMatch(/aud/);
  });

  it('invalid options name the option in the message, since they are the developer’s own', () => {
    let error: GuardError | undefined;
    try {
      void createGuard({
        issuer: 'http://127.0.0.1:9',
        audience: '',
        algorithms: ['RS256'],
        feedApiKey: 'key',
        logger: recordingLogger(),
      }).close();
    } catch (e) {
      error = e as GuardError;
    }
    expect(error?.code).toBe('ERR_GUARD_OPTIONS');
    expect(error?.message).toMatch(/^The guard options are invalid: audience/);
    expect(error?.detail).toMatch(/^audience/);
  });
});
