/** Where the client writes diagnostics. Silent unless one is passed. Never receives a secret. */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The logger used when none is given. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
