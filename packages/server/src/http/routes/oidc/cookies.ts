import type { FastifyReply, FastifyRequest } from 'fastify';

/** The SSO browser session (an opaque secret; the store keeps its sha256). */
export const SSO_COOKIE = 'cutoff_sso';
/** A hosted login in progress: binds the CSRF token and the authorization request to this browser. */
export const LOGIN_COOKIE = 'cutoff_login';

/** One cookie's value from the Cookie header; undefined when absent or repeated. */
export const readCookie = (request: FastifyRequest, name: string): string | undefined => {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  const values = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  return values.length === 1 ? values[0] : undefined;
};

/**
 * `HttpOnly` (no script reads it), `SameSite=Lax` (sent on the top-level navigation from an app
 * to /oauth/authorize, not on cross-site subrequests or posts), `Secure` when the issuer is https.
 * Values are base64url secrets and need no encoding.
 */
export const setCookie = (
  reply: FastifyReply,
  issuer: string,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void => {
  const secure = issuer.startsWith('https://') ? '; Secure' : '';
  const cookie = `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  void reply.header('set-cookie', [...list, cookie]);
};

export const clearCookie = (reply: FastifyReply, issuer: string, name: string): void =>
  setCookie(reply, issuer, name, '', 0);
