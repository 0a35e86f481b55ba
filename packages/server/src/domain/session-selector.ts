/** The set of sessions a revocation covers (kind `token` covers no session). */
export type SessionSelector =
  | { readonly kind: 'session'; readonly key: string }
  | { readonly kind: 'user'; readonly key: string }
  | { readonly kind: 'group'; readonly key: string }
  | { readonly kind: 'role'; readonly key: string }
  | { readonly kind: 'client'; readonly key: string }
  | { readonly kind: 'all'; readonly key: '*' };
