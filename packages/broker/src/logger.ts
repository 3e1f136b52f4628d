/**
 * Where the broker reports what it does. Every method is optional; pass `console` for everything.
 * Messages never contain tokens or passwords.
 */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/** A logger with every level present; missing levels of the user's logger become no-ops. */
export type FullLogger = Required<Logger>;

const noop = (): void => {};

/** Fills in the levels the given logger lacks, so callers never check. Silent when none is given. */
export function normalizeLogger(logger: Logger | undefined): FullLogger {
  const bind = (level: keyof Logger): ((message: string) => void) => {
    const fn = logger?.[level];
    return typeof fn === 'function' ? (message) => fn.call(logger, message) : noop;
  };
  return { debug: bind('debug'), info: bind('info'), warn: bind('warn'), error: bind('error') };
}
