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
