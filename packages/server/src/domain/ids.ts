declare const brand: unique symbol;
/** A string that the type system keeps apart from other strings of another meaning. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type SessionId = Brand<string, 'SessionId'>;
export type ClientId = Brand<string, 'ClientId'>;
export type RefreshTokenId = Brand<string, 'RefreshTokenId'>;
export type ApiKeyId = Brand<string, 'ApiKeyId'>;
export type RevocationId = Brand<string, 'RevocationId'>;

/** Prefixes make ids self-describing in logs, audit events and support tickets. */
export const ID_PREFIX = {
  user: 'usr',
  session: 'ses',
  client: 'cli',
  refreshToken: 'rt',
  apiKey: 'key',
  revocation: 'rev',
} as const;

/** The public client that first-party logins use when they name none. */
export const DEFAULT_CLIENT_ID = 'cutoff' as ClientId;

/*
 * The only casts to a branded id are in this file. Three ways in:
 * - `parseXId(raw)` at the edges (HTTP params, token claims, webhook and SCIM references): the
 *   prefix is checked, and an id of the wrong kind is `undefined`, which callers answer as "not
 *   found" without a query;
 * - `xIdFromStore(raw)` in row mapping: a row holds what a factory minted or an edge parsed, so
 *   it is not checked again (a row with an unexpected id, e.g. a fixture or a hand-made account,
 *   stays readable instead of failing every list that includes it);
 * - `mintXId(random)` for the generators in `use-cases/new-ids.ts`, which need the CSPRNG pool of
 *   `lib/secrets.ts` that `domain/` may not import.
 */
const hasPrefix = (raw: string, prefix: string): boolean =>
  raw.length > prefix.length + 1 && raw.startsWith(`${prefix}_`);

export const parseUserId = (raw: string): UserId | undefined =>
  hasPrefix(raw, ID_PREFIX.user) ? (raw as UserId) : undefined;
export const parseSessionId = (raw: string): SessionId | undefined =>
  hasPrefix(raw, ID_PREFIX.session) ? (raw as SessionId) : undefined;
export const parseApiKeyId = (raw: string): ApiKeyId | undefined =>
  hasPrefix(raw, ID_PREFIX.apiKey) ? (raw as ApiKeyId) : undefined;
export const parseRevocationId = (raw: string): RevocationId | undefined =>
  hasPrefix(raw, ID_PREFIX.revocation) ? (raw as RevocationId) : undefined;
/**
 * Client ids have no required prefix: an admin may choose one (`grafana`), the built-in client
 * is `cutoff`, and RFC 6749 treats `client_id` as opaque. Only an empty string is refused.
 */
export const parseClientId = (raw: string): ClientId | undefined =>
  raw === '' ? undefined : (raw as ClientId);

export const userIdFromStore = (raw: string): UserId => raw as UserId;
export const sessionIdFromStore = (raw: string): SessionId => raw as SessionId;
export const clientIdFromStore = (raw: string): ClientId => raw as ClientId;
export const refreshTokenIdFromStore = (raw: string): RefreshTokenId => raw as RefreshTokenId;
export const apiKeyIdFromStore = (raw: string): ApiKeyId => raw as ApiKeyId;
export const revocationIdFromStore = (raw: string): RevocationId => raw as RevocationId;

/** `random` is `lib/secrets.ts`' `randomId(prefix)`; see `use-cases/new-ids.ts`. */
type RandomId = (prefix: string) => string;
export const mintUserId = (random: RandomId): UserId => random(ID_PREFIX.user) as UserId;
export const mintSessionId = (random: RandomId): SessionId => random(ID_PREFIX.session) as SessionId;
export const mintClientId = (random: RandomId): ClientId => random(ID_PREFIX.client) as ClientId;
export const mintRefreshTokenId = (random: RandomId): RefreshTokenId =>
  random(ID_PREFIX.refreshToken) as RefreshTokenId;
export const mintApiKeyId = (random: RandomId): ApiKeyId => random(ID_PREFIX.apiKey) as ApiKeyId;
export const mintRevocationId = (random: RandomId): RevocationId =>
  random(ID_PREFIX.revocation) as RevocationId;
