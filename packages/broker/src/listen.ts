import type { Server } from 'node:net';
import { BrokerError, BrokerErrorCode } from './errors.js';

/**
 * Starts `server` listening and resolves with the bound port. A taken port becomes a
 * {@link BrokerError} `PORT_IN_USE` naming the option (`field`) to change.
 */
export function listen(server: Server, port: number, host: string, field: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new BrokerError(BrokerErrorCode.PORT_IN_USE, `port ${port} on ${host} is already in use (${field})`, {
            field,
            port,
            cause: error,
          }),
        );
      } else {
        reject(
          new BrokerError(BrokerErrorCode.LISTEN_FAILED, `cannot listen on ${host}:${port} (${field}): ${error.message}`, {
            field,
            port,
            cause: error,
          }),
        );
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host });
  });
}

/** Stops listening and resolves once every connection of `server` is gone. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive HTTP connections (control endpoint calls) would otherwise hold close() open.
    server.closeAllConnections?.();
  });
}
