import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test controls: `cut()` drops every connection and refuses new ones (a refused
 * partition); `blackHole()` keeps every connection open and accepts new ones, but forwards
 * nothing either way (a silent partition: the peers wait). `resume()` ends either: connections
 * that were black-holed are dropped (as a peer's timeout would), new ones are forwarded again.
 * `setLatency(ms)` delays every chunk by `ms` each way, in order (a distant peer).
 * `blackHole({ dropOpen: true })` first drops the open connections, so only new ones hang (a host
 * that is reachable but does not answer: connects hang until the client's timeout).
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  blackHole(options?: { readonly dropOpen?: boolean }): void;
  setLatency(ms: number): void;
  resume(): void;
  close(): Promise<void>;
}

type Mode = 'open' | 'cut' | 'black-hole';

export const startTcpProxy = async (targetHost: string, targetPort: number): Promise<TcpProxy> => {
  const sockets = new Set<Socket>();
  /** Sockets whose bytes are being swallowed; dropped on resume. */
  const swallowed = new Set<Socket>();
  const pairs = new Set<readonly [Socket, Socket]>();
  let mode: Mode = 'open';
  let latencyMs = 0;
  /** Forwards in order: a chunk may not overtake one still delayed. */
  const forward = (from: Socket, to: Socket): void => {
    let pending = 0;
    from.on('data', (chunk: Buffer) => {
      if (swallowed.has(from)) return;
      if (latencyMs === 0 && pending === 0) {
        to.write(chunk);
        return;
      }
      pending += 1;
      setTimeout(() => {
        pending -= 1;
        if (!swallowed.has(from) && !to.destroyed) to.write(chunk);
      }, latencyMs);
    });
    from.on('end', () => {
      if (latencyMs === 0 && pending === 0) to.end();
      else setTimeout(() => to.end(), latencyMs);
    });
  };
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      swallowed.delete(socket);
    });
  };
  const swallow = (socket: Socket): void => {
    socket.pause();
    swallowed.add(socket);
  };
  const server: Server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'black-hole') {
      swallow(client);
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    for (const socket of pair) {
      socket.on('close', () => pairs.delete(pair));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return {
    port: address.port,
    cut() {
      mode = 'cut';
      for (const socket of sockets) socket.destroy();
    },
    blackHole(options) {
      mode = 'black-hole';
      if (options?.dropOpen === true) {
        for (const socket of sockets) socket.destroy();
        return;
      }
      for (const [client, upstream] of pairs) {
        swallow(client);
        swallow(upstream);
      }
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    resume() {
      mode = 'open';
      for (const socket of swallowed) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
