import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * `Cutoff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Several
 * `v1=` values may be sent (a sender signing with an old and a new secret during a rotation);
 * one match is enough.
 */

export const SIGNATURE_HEADER = 'cutoff-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const MAX_HEADER_LENGTH = 4096;
const MAX_SIGNATURES = 8;

export interface ParsedSignature {
  readonly timestamp: number;
  readonly signatures: readonly Buffer[];
}

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

export const SIGNATURE_PROBLEM_MESSAGES: Readonly<Record<SignatureProblem, string>> = {
  missing: 'The Cutoff-Signature header is missing.',
  malformed: 'The Cutoff-Signature header is malformed; expected t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  stale: `The signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} seconds away from the server time.`,
  mismatch: 'No signature matches the body.',
};

/** Parses the header; undefined when it is not of the documented form. */
export const parseSignatureHeader = (header: string): ParsedSignature | undefined => {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, v2…) are ignored, so a sender can add one before we support it.
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > MAX_SIGNATURES)
    return undefined;
  return { timestamp, signatures };
};

/** The HMAC a sender computes: hex of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export const computeSignature = (secret: string, timestamp: number, body: Buffer): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/** A complete header value, for senders and tests. */
export const signatureHeader = (secrets: readonly string[], timestamp: number, body: Buffer): string =>
  [
    `t=${timestamp}`,
    ...secrets.map((secret) => `v1=${computeSignature(secret, timestamp, body).toString('hex')}`),
  ].join(',');

export interface VerifyInput {
  readonly header: string | undefined;
  readonly body: Buffer;
  readonly secrets: readonly string[];
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}

/**
 * Constant-time check of every presented signature against every secret (both 32-byte buffers,
 * so `timingSafeEqual` compares equal lengths). The tolerance applies both ways: a timestamp too
 * far in the future is refused like a stale one.
 */
export const verifySignature = (
  input: VerifyInput,
): { readonly ok: true } | { readonly ok: false; readonly problem: SignatureProblem } => {
  if (input.header === undefined || input.header.trim() === '') return { ok: false, problem: 'missing' };
  const parsed = parseSignatureHeader(input.header);
  if (parsed === undefined) return { ok: false, problem: 'malformed' };
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  let matched = false;
  for (const secret of input.secrets) {
    const expected = computeSignature(secret, parsed.timestamp, input.body);
    for (const presented of parsed.signatures) {
      if (timingSafeEqual(expected, presented)) matched = true;
    }
  }
  if (!matched) return { ok: false, problem: 'mismatch' };
  if (Math.abs(input.nowSeconds - parsed.timestamp) > tolerance) return { ok: false, problem: 'stale' };
  return { ok: true };
};
