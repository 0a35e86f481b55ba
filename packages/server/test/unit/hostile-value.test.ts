import { describe, expect, it } from 'vitest';
import { findHostileValue, MAX_INPUT_DEPTH } from '../../src/domain/input/hostile-value.js';

describe('findHostileValue', () => {
  it('finds a NUL in a value or a key, and names where without echoing a secret-shaped key', () => {
    expect(findHostileValue({ a: [1, { b: 'x\u0000y' }] })).toEqual({ kind: 'nul', at: '/a/1/b' });
    expect(findHostileValue({ 'cutoff_rt_secret value': { 'k\u0000': 1 } })).toEqual({
      kind: 'nul',
      at: '/?/?',
    });
    expect(findHostileValue('\u0000')).toEqual({ kind: 'nul', at: '/' });
  });

  it('bounds the depth, checking 100,000 levels without overflowing its own stack', () => {
    let value: unknown = 'leaf';
    for (let level = 0; level < 100_000; level += 1) value = [value];
    expect(findHostileValue(value)).toMatchObject({ kind: 'depth' });
    let shallow: unknown = 'leaf';
    for (let level = 0; level < MAX_INPUT_DEPTH; level += 1) shallow = { a: shallow };
    expect(findHostileValue(shallow)).toBeUndefined();
  });

  it('passes ordinary input, numbers, nulls and buffers', () => {
    expect(findHostileValue({ username: 'ada', roles: ['eng'], n: 1, z: null, ok: true })).toBeUndefined();
    expect(findHostileValue(Buffer.from([0, 0, 0]))).toBeUndefined();
    expect(findHostileValue(undefined)).toBeUndefined();
  });
});
