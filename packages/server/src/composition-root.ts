import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { RevocationIndex } from '@cutoff/guard/rule';
import type { Config } from './config/config-schema.js';
import { fetchProbeClient } from './adapters/canary/fetch-probe-client.js';
import { createJoseRemoteJwsVerifier } from './adapters/signals/jose-remote-jws-verifier.js';
import { createArgon2PasswordHasher } from './adapters/crypto/argon2-password-hasher.js';
import { createAesGcmSecretSealer } from './adapters/crypto/aes-gcm-secret-sealer.js';
import { createJoseTokenSigner } from './adapters/crypto/jose-token-signer.js';
import { parseEncryptionKey } from './lib/encryption-key.js';
import { createOtpauthTotpVerifier } from './adapters/crypto/otpauth-totp-verifier.js';
import { createRedisStreamFeedNotifier } from './adapters/feed/redis-stream-feed-notifier.js';
import { createHttpSmsSender } from './adapters/notifications/http-sms-sender.js';
import { createSmtpEmailSender } from './adapters/notifications/smtp-email-sender.js';
import {
  SERVER_CHECKPOINT_INTERVAL_MS,
  createPostgresStore,
  createSqliteStore,
} from './adapters/storage/index.js';
import { createApiKeyAuthenticator } from './http/api-key-authenticator.js';
import { buildApp } from './http/build-app.js';
import type { FastifyTypebox } from './http/fastify-typebox.js';
import { createMetrics } from './http/metrics.js';
import { createDestinationMetrics } from './http/destination-metrics.js';
import { destinationTypes } from './adapters/destinations/registry.js';
import { DeliveryWorker } from './use-cases/destinations/delivery-worker.js';
import { allDestinationStatuses } from './use-cases/destinations/destination-status.js';
import type { DestinationsDeps } from './use-cases/destinations/destinations-deps.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Store, TransactionRetry } from './ports/storage/store.js';
import { ApiKeyUsageRecorder } from './use-cases/admin/api-key-usage-recorder.js';
import { systemScheduler, type Scheduler } from './ports/scheduler.js';
import type { CanaryRunRecord } from './domain/canary/canary-records.js';
import { probePassed } from './domain/canary/canary-records.js';
import { CanaryRunner } from './use-cases/canary/canary-runner.js';
import { bootstrap } from './use-cases/admin/bootstrap.js';
import { createLoginRateLimiter } from './use-cases/auth/login-rate-limiter.js';
import type { UseCaseContext } from './use-cases/context.js';
import { RevocationFeedHub } from './use-cases/feed/revocation-feed-hub.js';
import { GuardRegistry } from './use-cases/fleet/guard-registry.js';
import { GroupEndScheduler } from './use-cases/groups/group-end-scheduler.js';
import { createWebhookEventPruner } from './use-cases/hooks/prune-webhook-events.js';
import type { NotificationSender } from './ports/notification-sender.js';
import { OutboxWorker } from './use-cases/notifications/outbox-worker.js';
import { BACKCHANNEL_LOGOUT_KIND } from './use-cases/oidc/backchannel-logout.js';
import { createOidcStatePruner } from './use-cases/oidc/prune-oidc-state.js';
import { createBackchannelLogoutSender } from './adapters/oidc/backchannel-logout-sender.js';
import { ClientDirectory } from './use-cases/oauth/client-directory.js';
import { createIntrospector } from './use-cases/oauth/introspect.js';

export interface CutoffServer {
  readonly config: Config;
  readonly app: FastifyTypebox;
  readonly ctx: UseCaseContext;
  readonly hub: RevocationFeedHub;
  readonly canary: CanaryRunner;
  /** This replica's audit-stream delivery worker (docs/destinations.md). */
  readonly deliveries: DeliveryWorker;
  /** Set on the first start without CUTOFF_ADMIN_KEY: print it once, it is not stored in clear. */
  readonly generatedAdminKey: string | null;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Drains in-flight requests, ends feed streams, closes the store. */
  close(): Promise<void>;
}

export interface CreateServerOptions {
  readonly clock?: Clock;
  readonly logStream?: DestinationStream;
  /** Use this store instead of the one the config names (tests with an isolated schema). */
  readonly store?: Store;
  /** Timers of periodic work (tests drive them). */
  readonly scheduler?: Scheduler;
}

const openStore = (config: Config, onPoolError: (error: unknown) => void): Store =>
  config.databaseUrl === undefined
    ? createSqliteStore({
        dataDir: config.dataDir,
        backgroundCheckpointMs: SERVER_CHECKPOINT_INTERVAL_MS,
        onBackgroundError: onPoolError,
      })
    : createPostgresStore({ connectionString: config.databaseUrl, onPoolError });

/** The composition root: the one place where concrete adapters meet the use-cases. */
export const createCutoffServer = async (
  config: Config,
  options: CreateServerOptions = {},
): Promise<CutoffServer> => {
  const clock = options.clock ?? systemClock;
  // Every periodic job runs on this one scheduler (tests pass a manual one and tick it).
  const scheduler = options.scheduler ?? systemScheduler;
  // Errors of background work (feed fan-out, idle pool connections) are logged once the app exists.
  let logError: (error: unknown) => void = () => undefined;
  const store = options.store ?? openStore(config, (error) => logError(error));
  await store.migrate();

  const { registry, metrics } = createMetrics();
  // A retry is correct but slow (a deadlock waits out PostgreSQL's deadlock_timeout, 1 s by
  // default); a deadlock means two code paths take their locks in different orders.
  let logRetry: (retry: TransactionRetry) => void = () => undefined;
  store.onTransactionRetry((retry) => {
    metrics.storeTransactionRetries.inc({ cause: retry.cause });
    logRetry(retry);
  });
  // Set once the delivery worker exists (revocations can commit during bootstrap, before it).
  let wakeDeliveries: () => void = () => undefined;
  const index = new RevocationIndex();
  const notifier =
    config.redisUrl === undefined
      ? undefined
      : createRedisStreamFeedNotifier({
          url: config.redisUrl,
          keyPrefix: config.redisKeyPrefix,
          onError: (error) => logError(error),
        });
  const hub = new RevocationFeedHub({
    store,
    clock,
    index,
    notifier,
    pollMs: config.feedPollMs,
    scheduler,
    onError: (error) => logError(error),
  });

  const sealer = createAesGcmSecretSealer({
    key: config.encryptionKey === undefined ? undefined : parseEncryptionKey(config.encryptionKey),
    previousKeys: config.encryptionPreviousKeys.map(parseEncryptionKey),
  });
  const ctx: UseCaseContext = {
    config,
    store,
    clock,
    signer: await createJoseTokenSigner({
      store,
      issuer: config.issuer,
      audience: config.audience,
      algorithm: config.signingAlgorithm,
      clockToleranceSeconds: 0,
      now: () => clock.now(),
      sealer,
    }),
    passwords: await createArgon2PasswordHasher(),
    totp: createOtpauthTotpVerifier('Cutoff'),
    sealer,
    loginLimiter: createLoginRateLimiter(store, config.loginMaxFailures, config.loginWindowSeconds),
    clients: new ClientDirectory(store),
    revocationIndex: index,
    revocationIndexCurrent: () => hub.vouch() !== undefined,
  };
  // Every committed revocation reaches the feed from here, whichever use-case wrote it.
  store.onCommitted((changes) => {
    for (const entry of changes.revocations) {
      metrics.revocations.inc({ kind: entry.kind, reason: entry.reason });
      hub.committed(entry);
    }
    // Every audit event is a delivery to each destination: milliseconds from commit to the SIEM.
    if (changes.auditEvents.length > 0) wakeDeliveries();
  });
  await hub.start();
  const { generatedAdminKey } = await bootstrap(ctx, { adminKeyConfigured: config.adminKey !== undefined });

  const apiKeyUsage = new ApiKeyUsageRecorder({
    store,
    flushMs: config.apiKeyLastUsedFlushMs,
    scheduler,
    onWrite: () => metrics.apiKeyLastUsedWrites.inc(),
    onError: (error) => logError(error),
  });
  const apiKeys = createApiKeyAuthenticator({
    store,
    clock,
    adminKey: config.adminKey,
    adminKeyPrevious: config.adminKeyPrevious,
    adminKeyPreviousUntil:
      config.adminKeyPreviousUntil === undefined ? undefined : new Date(config.adminKeyPreviousUntil),
    cacheMs: config.apiKeyCacheMs,
    onUse: (id, at) => apiKeyUsage.used(id, at),
  });

  const guards = new GuardRegistry();
  const introspect = createIntrospector(ctx);
  // The canary: revocation proven end to end, continuously (docs/canary.md).
  const canary = new CanaryRunner(
    {
      ctx,
      probes: fetchProbeClient,
      introspect,
      waitForGuards: (seq, committedAtMs, timeoutMs) => guards.waitForGuards(seq, committedAtMs, timeoutMs),
      pollMs: 25,
      monotonicMs: () => performance.now(),
    },
    {
      scheduler,
      onRun: (run) => observeCanaryRun(run),
      onError: (error) => logError(error),
    },
  );
  const observeCanaryRun = (run: CanaryRunRecord): void => {
    metrics.canaryRuns.inc({ result: run.ok ? 'success' : 'failure' });
    for (const probe of run.probes) {
      if (probe.rejectedAfterMs !== null)
        metrics.canaryTimeToReject.observe({ probe: probe.name }, probe.rejectedAfterMs / 1000);
      if (probePassed(probe))
        metrics.canaryLastSuccess.set({ probe: probe.name }, Math.floor(run.finishedAt.getTime() / 1000));
    }
    const failing = run.probes.filter((probe) => !probePassed(probe));
    if (run.ok) app.log.info({ canary_run: run.id, kind: run.kind }, 'canary cycle passed');
    else
      app.log.warn(
        {
          canary_run: run.id,
          kind: run.kind,
          failing_probes: failing.map((probe) => ({ name: probe.name, error: probe.error })),
          refresh_refused: run.refreshRefused,
          introspection_inactive: run.introspectionInactive,
          guards: run.guards,
          error: run.error,
        },
        'canary cycle FAILED: revocation is not proven',
      );
  };

  // Audit-stream destinations: one worker per replica, each destination served under its lease.
  const types = destinationTypes();
  const destinationMetrics = createDestinationMetrics(registry, () => allDestinationStatuses(ctx));
  const deliveries: DeliveryWorker = new DeliveryWorker({
    ctx,
    types,
    senderDeps: { fileDir: config.destinationFileDir ?? join(config.dataDir, 'destinations') },
    scheduler: options.scheduler ?? systemScheduler,
    pollMs: config.destinationPollMs,
    leaseMs: config.destinationLeaseMs,
    onError: (error) => logError(error),
    onDelivery: (destination, result, events, error) => {
      destinationMetrics.delivered(destination, result, events);
      if (result === 'dead_lettered')
        app.log.error({ destination, error }, 'destination event dead-lettered after max_attempts');
      else if (result === 'failure')
        app.log.warn({ destination, events, error }, 'destination delivery failed; retrying');
    },
  });
  wakeDeliveries = () => deliveries.wake();
  const destinationsDeps: DestinationsDeps = { ctx, types, wake: wakeDeliveries };

  const app = await buildApp(
    {
      config,
      ctx,
      hub,
      guards,
      authenticateKey: apiKeys.authenticate,
      forgetApiKeys: apiKeys.forget,
      onApiKeysForgotten: apiKeys.onForget,
      introspect,
      metrics,
      registry,
      canary,
      destinations: destinationsDeps,
      remoteJws: createJoseRemoteJwsVerifier(),
    },
    { logLevel: config.logLevel, trustProxy: config.trustProxy, logStream: options.logStream },
  );
  logError = (error) => app.log.error({ err: error }, 'background error');
  logRetry = (retry) =>
    app.log.warn(
      { cause: retry.cause, attempt: retry.attempt, detail: retry.detail },
      'store transaction retried after a conflict',
    );

  // The durable end-date schedule (contractor groups); its first tick ends what came due while down.
  const groupEndScheduler = new GroupEndScheduler(ctx, {
    intervalMs: config.scheduleIntervalMs,
    scheduler,
    onError: (error) => logError(error),
    onEnded: (ended) =>
      app.log.info(
        { group: ended.group.name, members: ended.members.length, seq: ended.entry.seq },
        'group ended at its end date',
      ),
  });
  groupEndScheduler.start();

  // User notifications (security incidents) from the durable outbox, and replay-record pruning.
  const senders: Record<string, NotificationSender> = {};
  if (config.smtpUrl !== undefined && config.mailFrom !== undefined)
    senders['email'] = createSmtpEmailSender({ url: config.smtpUrl, from: config.mailFrom });
  if (config.smsWebhookUrl !== undefined) senders['sms'] = createHttpSmsSender({ url: config.smsWebhookUrl });
  senders[BACKCHANNEL_LOGOUT_KIND] = createBackchannelLogoutSender(ctx.signer, config.issuer);
  const outboxWorker = new OutboxWorker({
    store,
    clock,
    senders,
    pollMs: config.outboxPollMs,
    scheduler,
    retryBaseMs: config.outboxRetryBaseMs,
    retryMaxMs: config.outboxRetryMaxMs,
    maxAttempts: config.outboxMaxAttempts,
    onError: (error) => logError(error),
  });
  outboxWorker.start();
  // A message enqueued here is sent now rather than at the next poll.
  store.onCommitted((changes) => {
    if (changes.outboxMessages.length > 0) outboxWorker.wake();
  });
  const webhookEventPruner = createWebhookEventPruner({
    store,
    clock,
    scheduler,
    onError: (error) => logError(error),
  });
  webhookEventPruner.start();
  apiKeyUsage.start();
  canary.start();
  const oidcStatePruner = createOidcStatePruner({
    store,
    clock,
    scheduler,
    onError: (error) => logError(error),
  });
  oidcStatePruner.start();
  deliveries.start();

  let closing: Promise<void> | undefined;
  return {
    config,
    app,
    ctx,
    hub,
    canary,
    deliveries,
    generatedAdminKey,
    listen: async () => {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    },
    close: () => {
      closing ??= (async () => {
        hub.stop();
        await canary.stop();
        await deliveries.stop();
        await outboxWorker.stop();
        await webhookEventPruner.stop();
        await oidcStatePruner.stop();
        await app.close();
        await apiKeyUsage.stop();
        for (const sender of Object.values(senders)) sender.close?.();
        await groupEndScheduler.stop();
        await notifier?.close();
        await store.close();
      })();
      return closing;
    },
  };
};
