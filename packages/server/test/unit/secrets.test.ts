import { describe, expect, it } from 'vitest';
import { SECRET_PREFIX, randomBytesPooled, randomId, randomSecret } from '../../src/lib/secrets.js';

describe('random secrets', () => {
  it('never hands out the same bytes twice, across pool refills', () => {
    const seen = new Set<string>();
    // 32 bytes each: a 4 KiB pool refills every 128 draws.
    for (let i = 0; i < 2_000; i++) seen.add(randomSecret(SECRET_PREFIX.refreshToken));
    expect(seen.size).toBe(2_000);
    for (const secret of seen) expect(secret).toMatch(/^cutoff_rt_[A-Za-z0-9_-]{43}$/);
    expect(randomId('usr')).toMatch(/^usr_[A-Za-z0-9_-]{22}$/);
  });

  it('keeps bytes already handed out when the pool refills', () => {
    const first = randomBytesPooled(16);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1_000; i++) randomBytesPooled(64);
    expect(first.equals(copy)).toBe(true);
    expect(randomBytesPooled(10_000)).toHaveLength(10_000);
  });
});
