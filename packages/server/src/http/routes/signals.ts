import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { NAME_PATTERN } from '../../domain/claims.js';
import { CutoffError } from '../../domain/errors.js';
import {
  DEFAULT_SET_MAX_AGE_SECONDS,
  MAX_SET_MAX_AGE_SECONDS,
  type SsfTransmitterRecord,
} from '../../domain/signals/transmitter.js';
import {
  authenticateGtrCaller,
  GTR_PATH,
  GTR_SCOPE,
  type GtrCaller,
} from '../../use-cases/signals/authenticate-gtr-caller.js';
import { globalTokenRevocation } from '../../use-cases/signals/global-token-revocation.js';
import { receiveSet, type SetReceipt } from '../../use-cases/signals/receive-set.js';
import { SSF_RECEIVE_PATH } from '../../use-cases/signals/ssf-error.js';
import { putSsfTransmitter, removeSsfTransmitter } from '../../use-cases/signals/ssf-transmitters.js';
import { hasScope, parseBearer } from '../api-key-authenticator.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext, requestInfo } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody, SsfErrorBody } from '../schemas.js';

const tags = ['signals'];

/** A SET is a few KiB at most; this leaves room for large complex subjects, not for files. */
export const SET_BODY_LIMIT = 64 * 1024;

const TransmitterBody = Type.Object(
  {
    name: Type.String(),
    issuer: Type.String(),
    jwks_uri: Type.String(),
    audience: Type.Union([Type.String(), Type.Null()], {
      description: "The `aud` its SETs must carry; null: Cutoff's issuer.",
    }),
    max_age_seconds: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { title: 'SsfTransmitter' },
);

const presentTransmitter = (transmitter: SsfTransmitterRecord) => ({
  name: transmitter.name,
  issuer: transmitter.issuer,
  jwks_uri: transmitter.jwksUri,
  audience: transmitter.audience,
  max_age_seconds: transmitter.maxAgeSeconds,
  created_at: transmitter.createdAt.toISOString(),
  updated_at: transmitter.updatedAt.toISOString(),
});

const logReceipt = (request: FastifyRequest, receipt: SetReceipt): void => {
  for (const event of receipt.events) {
    if (event.applied)
      request.log.info(
        {
          transmitter: receipt.transmitter,
          jti: receipt.jti,
          event_type: event.type,
          revocation: event.revocationId,
        },
        'SET applied',
      );
    else
      request.log.info(
        { transmitter: receipt.transmitter, jti: receipt.jti, event_type: event.type, detail: event.detail },
        'SET event ignored',
      );
  }
};

/** Admin configuration of trusted transmitters (scope admin). */
const transmitterRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');
  const params = Type.Object({ name: Type.String({ pattern: NAME_PATTERN }) });

  app.put(
    '/v1/ssf/transmitters/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'putSsfTransmitter',
        summary: 'Trust (or re-configure) a Shared Signals transmitter',
        tags,
        description:
          'Trusts the transmitter whose SETs carry `iss` = `issuer` and are signed with a key of `jwks_uri` (RS256, PS256 or ES256). Its SETs go to `POST /ssf/receive`; the same keys authenticate its Global Token Revocation requests (Okta Universal Logout). One transmitter per issuer (409 otherwise). 201 created, 200 replaced.',
        params,
        body: Type.Object(
          {
            issuer: Type.String({ minLength: 1, maxLength: 2048 }),
            jwks_uri: Type.String({ minLength: 1, maxLength: 2048, description: 'http:// or https://.' }),
            audience: Type.Optional(
              Type.String({ minLength: 1, maxLength: 2048, description: "Default: Cutoff's issuer." }),
            ),
            max_age_seconds: Type.Optional(
              Type.Integer({
                minimum: 60,
                maximum: MAX_SET_MAX_AGE_SECONDS,
                default: DEFAULT_SET_MAX_AGE_SECONDS,
                description: 'A SET whose iat is older is refused.',
              }),
            ),
          },
          { additionalProperties: false, title: 'PutSsfTransmitter' },
        ),
        response: { 200: TransmitterBody, 201: TransmitterBody, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { transmitter, created } = await putSsfTransmitter(
        deps.ctx,
        {
          name: request.params.name,
          issuer: body.issuer,
          jwksUri: body.jwks_uri,
          audience: body.audience,
          maxAgeSeconds: body.max_age_seconds,
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(created ? 201 : 200).send(presentTransmitter(transmitter));
    },
  );

  app.get(
    '/v1/ssf/transmitters',
    {
      onRequest: admin,
      schema: {
        operationId: 'listSsfTransmitters',
        summary: 'List trusted Shared Signals transmitters',
        tags,
        description: 'Every trusted transmitter, by name.',
        response: {
          200: Type.Object({ transmitters: Type.Array(TransmitterBody) }, { title: 'SsfTransmitterList' }),
        },
      },
    },
    async () => ({
      transmitters: (await deps.ctx.store.read((r) => r.ssfTransmitters.list())).map(presentTransmitter),
    }),
  );

  app.get(
    '/v1/ssf/transmitters/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'getSsfTransmitter',
        summary: 'Show a trusted Shared Signals transmitter',
        tags,
        params,
        response: { 200: TransmitterBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const transmitter = await deps.ctx.store.read((r) => r.ssfTransmitters.find(request.params.name));
      if (transmitter === undefined)
        throw new CutoffError('ERR_NOT_FOUND', { message: 'No transmitter with that name.' });
      return presentTransmitter(transmitter);
    },
  );

  app.delete(
    '/v1/ssf/transmitters/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'deleteSsfTransmitter',
        summary: 'Stop trusting a Shared Signals transmitter',
        tags,
        description: 'Its next SET is refused `invalid_issuer`.',
        params,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await removeSsfTransmitter(
        deps.ctx,
        request.params.name,
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(204).send(null);
    },
  );
};

/** RFC 8935 push delivery: the body is the SET, raw; its signature is the authentication. */
const receiveRoute = (app: FastifyTypebox, deps: RouteDeps): void => {
  void app.register((plugin, _options, done) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // `application/secevent+jwt` per RFC 8935; any other type is still read as the SET's text
    // and refused by its content (a transmitter gets an RFC 8935 error, not a 415).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: SET_BODY_LIMIT },
      (_request, body, done) => {
        done(null, body);
      },
    );
    scope.post(
      SSF_RECEIVE_PATH,
      {
        schema: {
          operationId: 'receiveSecurityEvent',
          summary: 'Receive a Security Event Token pushed by a trusted transmitter (RFC 8935)',
          tags,
          security: [],
          consumes: ['application/secevent+jwt'],
          description:
            'RFC 8935 push delivery. The body is one SET (RFC 8417, `typ: secevent+jwt`) signed by a trusted transmitter (`PUT /v1/ssf/transmitters/{name}`) with RS256, PS256 or ES256; its `aud` must be Cutoff\'s issuer (or the transmitter\'s configured audience), its `iat` at most 60 s ahead and not older than the transmitter\'s max age, its `jti` new. CAEP session-revoked, credential-change and RISC account-disabled/account-purged become revocations (docs/signals.md); other events are acknowledged and audited. 202: accepted (applied or ignored); 400/401: refused per RFC 8935 section 2.3 (`{"err", "description"}`) and nothing changed; 503: the transmitter\'s keys cannot be fetched or the store is down, retry.',
          response: {
            202: Type.Null(),
            400: SsfErrorBody,
            401: SsfErrorBody,
            403: SsfErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const receipt = await receiveSet(deps.ctx, deps.remoteJws, {
          token: typeof request.body === 'string' ? request.body.trim() : '',
          request: requestInfo(request),
        });
        logReceipt(request, receipt);
        // RFC 8935 section 2.2: 202 Accepted with no body (an untyped reply: the schema's typed
        // one would serialize `null`).
        const untyped: FastifyReply = reply;
        return untyped.status(202).send();
      },
    );
    done();
  });
};

/** Who called, worked out in onRequest (before the body is read). */
const gtrCallers = new WeakMap<FastifyRequest, GtrCaller>();

/** draft-parecki-oauth-global-token-revocation, as Okta Universal Logout calls it. */
const globalTokenRevocationRoute = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.post(
    GTR_PATH,
    {
      onRequest: async (request) => {
        const bearer = parseBearer(request.headers.authorization);
        if (bearer === undefined) throw new CutoffError('ERR_UNAUTHENTICATED');
        const caller = await authenticateGtrCaller(
          deps.ctx,
          {
            apiKey: async (presented) => {
              const principal = await deps.authenticateKey(presented);
              return principal === undefined
                ? undefined
                : { actor: principal.actor, admin: hasScope(principal, 'admin') };
            },
            introspect: deps.introspect,
            verifier: deps.remoteJws,
          },
          bearer,
        );
        gtrCallers.set(request, caller);
      },
      schema: {
        operationId: 'globalTokenRevocation',
        summary: 'Revoke every session and refresh token of a user (Global Token Revocation)',
        tags,
        description: `draft-parecki-oauth-global-token-revocation (Okta Universal Logout). Bearer credential: an admin API key; a client_credentials access token with scope \`${GTR_SCOPE}\` of a client registered with the role \`${GTR_SCOPE}\`; or a JWT signed by a trusted transmitter's keys (\`aud\` Cutoff's issuer or this endpoint's URL, \`exp\` within an hour, \`jti\` single-use). \`sub_id\` is \`{"format": "email", "email": …}\` or \`{"format": "iss_sub", "iss": …, "sub": …}\` (iss: Cutoff's issuer, sub a Cutoff user id; or a transmitter's issuer, sub the user's external id). 204: revoked (reason \`security_incident\`); 400 \`ERR_GTR_UNSUPPORTED_SUBJECT\`; 401/403; 404: no such user.`,
        body: Type.Object(
          {
            sub_id: Type.Object(
              {
                format: Type.String({ minLength: 1, maxLength: 64 }),
                email: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
                iss: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
                sub: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
              },
              { title: 'SubjectIdentifier', description: 'RFC 9493 subject identifier.' },
            ),
          },
          { title: 'GlobalTokenRevocationRequest' },
        ),
        response: {
          204: Type.Null(),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const caller = gtrCallers.get(request);
      if (caller === undefined) throw new CutoffError('ERR_UNAUTHENTICATED');
      await globalTokenRevocation(deps.ctx, caller, request.body.sub_id, requestInfo(request));
      return reply.status(204).send(null);
    },
  );
};

/** Inbound Shared Signals and Global Token Revocation (docs/signals.md). */
export const signalRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  transmitterRoutes(app, deps);
  receiveRoute(app, deps);
  globalTokenRevocationRoute(app, deps);
};
