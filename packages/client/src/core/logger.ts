/** Where the client writes diagnostics. Silent unless one is passed. Never receives a secret. */
export interface Logger {
  /** Fine-grained detail for tracing the client (browser signals, socket errors, every state change). */
  debug(message: string, context?: Record<string, unknown>): void;
  /** Notable events in normal operation (a token refresh, falling back to MQTT 3.1.1, a half-open link found). */
  info(message: string, context?: Record<string, unknown>): void;
  /** Something unexpected the client got past (an unusable Server Reference ignored). */
  warn(message: string, context?: Record<string, unknown>): void;
  /** Messages at error level. */
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The logger used when none is given. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
