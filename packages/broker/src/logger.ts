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

// What JSON.stringify leaves as is but a terminal or a log viewer acts on: DEL and the C1 controls
// (0x9B is a one-byte CSI), the Unicode line separators, and the bidirectional overrides that can
// make a line read differently from what it holds.
const UNSAFE_AFTER_JSON = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A client-supplied value (client id, subject, header) as one quoted, escaped token for a log
 * line, so it can neither end the line, forge another one, nor send terminal escape sequences.
 */
export function quoteForLog(value: unknown): string {
  return JSON.stringify(String(value)).replace(UNSAFE_AFTER_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
