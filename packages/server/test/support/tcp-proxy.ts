import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test controls: `cut()` drops every connection and refuses new ones until
 * `resume()`; `blackHole()` drops every connection and accepts new ones without ever forwarding a
 * byte (a host that is reachable but does not answer: connects hang until the client's timeout).
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  blackHole(): void;
  resume(): void;
  close(): Promise<void>;
}

export const startTcpProxy = async (targetHost: string, targetPort: number): Promise<TcpProxy> => {
  const sockets = new Set<Socket>();
  let mode: 'open' | 'cut' | 'black-hole' = 'open';
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'black-hole') {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => client.destroy());
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
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
    blackHole() {
      mode = 'black-hole';
      for (const socket of sockets) socket.destroy();
    },
    resume() {
      mode = 'open';
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
