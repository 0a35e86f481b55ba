import { SET_ALGORITHMS } from './transmitter.js';
import type { SetProblem } from './ssf-errors.js';

/** RFC 8417 section 2.3 (`typ`), compared case-insensitively, with or without `application/`. */
export const SET_TYP = 'secevent+jwt';

type Json = Readonly<Record<string, unknown>>;

const decodePart = (part: string | undefined): Json | undefined => {
  if (part === undefined || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
};

/** The claimed issuer of a compact JWS, unverified (it only selects whose keys must verify it). */
export const peekIssuer = (token: string): string | undefined => {
  const parts = token.split('.');
  if (parts.length !== 3 || decodePart(parts[0]) === undefined) return undefined;
  const issuer = decodePart(parts[1])?.['iss'];
  return typeof issuer === 'string' && issuer !== '' ? issuer : undefined;
};

export interface UnverifiedSet {
  readonly alg: string;
  /** The claimed `iss`: it only selects the transmitter whose keys must then verify the SET. */
  readonly issuer: string;
}

/**
 * What can be checked before any key is fetched: a compact JWS of three parts, signed (not
 * `alg: none`) with an allowed algorithm, of type `secevent+jwt`, naming an issuer. Nothing here
 * is trusted yet; the signature check comes next.
 */
export const inspectSet = (
  token: string,
):
  | { readonly ok: true; readonly set: UnverifiedSet }
  | { readonly ok: false; readonly problem: SetProblem } => {
  const fail = (err: SetProblem['err'], description: string) =>
    ({ ok: false, problem: { err, description } }) as const;
  const parts = token.split('.');
  const header = decodePart(parts[0]);
  const payload = decodePart(parts[1]);
  if (parts.length !== 3 || header === undefined || payload === undefined)
    return fail('authentication_failed', 'The body is not a signed JWT (compact JWS).');
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || parts[2] === '')
    return fail('authentication_failed', 'The SET is not signed.');
  if (!(SET_ALGORITHMS as readonly string[]).includes(alg))
    return fail(
      'invalid_key',
      `The SET is signed with ${alg.slice(0, 16)}; accepted: ${SET_ALGORITHMS.join(', ')}.`,
    );
  const typ = typeof header['typ'] === 'string' ? header['typ'].toLowerCase() : undefined;
  if (typ !== SET_TYP && typ !== `application/${SET_TYP}`)
    return fail('invalid_request', `The JWT typ must be ${SET_TYP}.`);
  const issuer = payload['iss'];
  if (typeof issuer !== 'string' || issuer === '') return fail('invalid_issuer', 'The SET has no iss.');
  return { ok: true, set: { alg, issuer } };
};
