import Fastify, { type FastifyInstance } from 'fastify';
import { createGuard, type Guard, type GuardOptions } from '@cutoff/guard';
import { fastifyGuard } from '@cutoff/guard/fastify';

export interface ProtectedApp {
  readonly url: string;
  readonly guard: Guard;
  /** GET /orders with the given access token; the status the app answered. */
  status(token: string): Promise<number>;
  close(): Promise<void>;
}

/** A real connected app: Fastify with the guard plugin, handing the verified claims to the route. */
export const startProtectedApp = async (
  options: Partial<GuardOptions> & Pick<GuardOptions, 'issuer' | 'feedApiKey'>,
): Promise<ProtectedApp> => {
  const guard = createGuard({
    audience: 'cutoff',
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    app: 'orders',
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    ...options,
  });
  const app: FastifyInstance = Fastify();
  await app.register(fastifyGuard(guard));
  app.get('/orders', (request) => ({ sub: request.cutoff?.sub, roles: request.cutoff?.roles }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  await guard.ready;
  return {
    url,
    guard,
    status: async (token) =>
      (
        await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${token}` } }).then(
          async (response) => {
            await response.arrayBuffer();
            return response;
          },
        )
      ).status,
    close: async () => {
      await app.close();
      await guard.close();
    },
  };
};

/** Polls until `probe` returns true or the deadline passes; returns the elapsed milliseconds. */
export const eventually = async (
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 20,
): Promise<number> => {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
};
