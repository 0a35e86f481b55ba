import { describe, expect, it } from 'vitest';
import { parseBearer } from '../src/index.js';

describe('parseBearer (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc.def-ghi_jkl~mno+pqr/stu==', 'abc.def-ghi_jkl~mno+pqr/stu=='],
    ['bearer token', 'token'],
    ['BEARER   token  ', 'token'],
    [['Bearer token'], 'token'],
  ])('reads %j', (header, token) => {
    expect(parseBearer(header)).toEqual({ kind: 'token', token });
  });

  it.each([undefined, null, '', 'Basic dXNlcjpwYXNz', 'Bearerish token', 'Digest x'])(
    'treats %j as missing',
    (header) => {
      expect(parseBearer(header).kind).toBe('missing');
    },
  );

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer a, Bearer b',
    'Bearer a=b',
    'Bearer "quoted"',
    ['Bearer a', 'Bearer b'],
  ])('treats %j as malformed', (header) => {
    expect(parseBearer(header).kind).toBe('malformed');
  });
});
