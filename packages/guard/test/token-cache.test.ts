import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../src/verify/token-cache.js';

const token = (i: number, suffix = `-signature-${String(i).padStart(40, '0')}`): string =>
  `header.payload${i}${suffix}`;

describe('BoundedCache', () => {
  it('never holds more than its bound', () => {
    const cache = new BoundedCache<number>(100);
    for (let i = 0; i < 1000; i++) cache.set(token(i), i);
    expect(cache.size).toBe(100);
    expect(cache.get(token(999))).toBe(999);
    expect(cache.get(token(0))).toBeUndefined();
  });

  it('gives recently used tokens a second chance on eviction', () => {
    const cache = new BoundedCache<number>(3);
    cache.set(token(1), 1);
    cache.set(token(2), 2);
    cache.set(token(3), 3);
    expect(cache.get(token(1))).toBe(1);
    cache.set(token(4), 4);
    expect(cache.get(token(1))).toBe(1);
    expect(cache.get(token(2))).toBeUndefined();
  });

  it('treats two tokens sharing the key suffix as different tokens', () => {
    const cache = new BoundedCache<string>(10);
    const shared = '-the-same-32-character-suffix-xx';
    cache.set(`a.b.c${shared}`, 'first');
    expect(cache.get(`x.y.z${shared}`)).toBeUndefined();
    cache.delete(`x.y.z${shared}`);
    expect(cache.get(`a.b.c${shared}`)).toBe('first');
    cache.deleteWhere((value) => value === 'first');
    expect(cache.size).toBe(0);
  });
});
