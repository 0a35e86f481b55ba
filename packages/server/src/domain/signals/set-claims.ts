import type { SetProblem } from './ssf-errors.js';

export interface SetClaims {
  readonly jti: string;
  readonly iss: string;
  readonly iat: number;
  /** Event type URI → its payload, in the SET's order. */
  readonly events: readonly { readonly type: string; readonly payload: Readonly<Record<string, unknown>> }[];
  /** SSF 1.0 top-level subject; events may carry their own (`subject`, CAEP before SSF 1.0). */
  readonly subId: unknown;
}

export interface SetExpectations {
  readonly issuer: string;
  /** Any one of these in `aud` will do. */
  readonly audiences: readonly string[];
  readonly nowSeconds: number;
  readonly maxAgeSeconds: number;
  readonly leewaySeconds: number;
}

type Json = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 8417 and SSF 1.0 claim checks of a SET whose signature has verified: issuer, audience,
 * age (`iat` neither in the future beyond the leeway nor older than the max age), a `jti`, and
 * an `events` object. Each failure names the RFC 8935 error code a transmitter understands.
 */
export const checkSetClaims = (
  payload: Json,
  expect: SetExpectations,
):
  | { readonly ok: true; readonly claims: SetClaims }
  | { readonly ok: false; readonly problem: SetProblem } => {
  const fail = (err: SetProblem['err'], description: string) =>
    ({ ok: false, problem: { err, description } }) as const;
  if (payload['iss'] !== expect.issuer) return fail('invalid_issuer', 'The SET iss is not the transmitter.');
  const aud = payload['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((value) => typeof value === 'string' && expect.audiences.includes(value)))
    return fail('invalid_audience', 'The SET aud is not this receiver.');
  const iat = payload['iat'];
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('invalid_request', 'The SET has no iat.');
  if (iat > expect.nowSeconds + expect.leewaySeconds)
    return fail('invalid_request', 'The SET iat is in the future.');
  if (expect.nowSeconds - iat > expect.maxAgeSeconds)
    return fail('invalid_request', `The SET is older than ${expect.maxAgeSeconds} seconds.`);
  const exp = payload['exp'];
  if (exp !== undefined && (typeof exp !== 'number' || exp + expect.leewaySeconds <= expect.nowSeconds))
    return fail('invalid_request', 'The SET has expired.');
  const jti = payload['jti'];
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256 || /[\0\r\n]/.test(jti))
    return fail('invalid_request', 'The SET has no usable jti (1 to 256 characters).');
  const events = payload['events'];
  if (!isObject(events) || Object.keys(events).length === 0)
    return fail('invalid_request', 'The SET has no events.');
  const list: { type: string; payload: Json }[] = [];
  for (const [type, event] of Object.entries(events)) {
    if (!isObject(event)) return fail('invalid_request', 'Each SET event must be a JSON object.');
    list.push({ type, payload: event });
  }
  return { ok: true, claims: { jti, iss: expect.issuer, iat, events: list, subId: payload['sub_id'] } };
};
