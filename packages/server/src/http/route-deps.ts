import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config-schema.js';
import { CutoffError } from '../domain/errors.js';
import type { ApiKeyScope } from '../domain/records.js';
import type { RemoteJwsVerifier } from '../ports/remote-jws-verifier.js';
import type { CanaryRunner } from '../use-cases/canary/canary-runner.js';
import type { UseCaseContext } from '../use-cases/context.js';
import type { DestinationsDeps } from '../use-cases/destinations/destinations-deps.js';
import type { RevocationFeedHub } from '../use-cases/feed/revocation-feed-hub.js';
import type { GuardRegistry } from '../use-cases/fleet/guard-registry.js';
import type { IntrospectionJson } from '../use-cases/oauth/introspect.js';
import { hasScope, parseBearer, type Principal } from './api-key-authenticator.js';
import type { Metrics } from './metrics.js';

/** What route modules get from the composition root. */
export interface RouteDeps {
  readonly config: Config;
  readonly ctx: UseCaseContext;
  readonly hub: RevocationFeedHub;
  readonly guards: GuardRegistry;
  readonly authenticateKey: (presented: string) => Promise<Principal | undefined>;
  /**
   * After revoking an API key: this replica refuses it from the next request on, and its open
   * feed streams are ended, before the promise resolves.
   */
  readonly forgetApiKeys: () => Promise<void>;
  /** Called by every forgetApiKeys (open feed streams re-check their key); returns its removal. */
  readonly onApiKeysForgotten: (listener: () => Promise<void>) => () => void;
  readonly introspect: (token: string) => Promise<IntrospectionJson>;
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly canary: CanaryRunner;
  /** Audit-stream destinations: their types and this replica's delivery worker. */
  readonly destinations: DestinationsDeps;
  /** Verifies what trusted transmitters sign (SETs, Global Token Revocation JWTs) with their JWKS. */
  readonly remoteJws: RemoteJwsVerifier;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * A hook that admits Bearer API keys holding `scope` (or `admin`). Use it as `onRequest`, so it runs
 * before the body is read and parsed: an unauthenticated caller gets 401, never a 400, 413 or 415.
 */
export const requireScope =
  (deps: RouteDeps, scope: ApiKeyScope) =>
  async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const presented = parseBearer(request.headers.authorization);
    if (presented === undefined) throw new CutoffError('ERR_UNAUTHENTICATED');
    const principal = await deps.authenticateKey(presented);
    if (principal === undefined) throw new CutoffError('ERR_UNAUTHENTICATED');
    if (!hasScope(principal, scope)) throw new CutoffError('ERR_FORBIDDEN');
    request.principal = principal;
  };

export const principalOf = (request: FastifyRequest): Principal => {
  if (request.principal === undefined) throw new CutoffError('ERR_UNAUTHENTICATED');
  return request.principal;
};
