import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';

/** A TCP proxy on 127.0.0.1 that can cut every connection through it, or stop accepting new ones. */
export interface TcpProxy {
  /** The port clients connect to; stays the same across pause()/resume(). */
  readonly port: number;
  /** Connections currently proxied. */
  readonly connections: number;
  /** Destroys every proxied connection on both sides (no close handshake: the broker fires wills). */
  dropConnections(): void;
  /** Stops listening (new connections are refused) and drops every connection. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<port> to 127.0.0.1:<targetPort> byte for byte, so it works for WS and WSS alike.
 * It exists so tests can cut connections of a broker that has no API for it (Mosquitto).
 */
export async function startTcpProxy(options: { targetPort: number; port?: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const onConnection = (client: Socket): void => {
    const upstream = connect(options.targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
  };
  let server: Server | undefined;
  let port = options.port ?? 0;
  const listen = async (): Promise<void> => {
    const next = createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const dropConnections = (): void => {
    for (const [client, upstream] of [...pairs]) {
      // resetAndDestroy sends RST: to both ends the connection just vanishes, as on a network failure.
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };
  const stopListening = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    get connections() {
      return pairs.size;
    },
    dropConnections,
    async pause() {
      const closing = stopListening();
      dropConnections();
      await closing;
    },
    async resume() {
      if (!server) await listen();
    },
    async close() {
      const closing = stopListening();
      dropConnections();
      await closing;
    },
  };
}
