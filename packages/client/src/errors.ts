/**
 * Stable error codes. Compare against these constants, never against messages.
 *
 * @example
 * ```ts
 * try { await client.connect(); }
 * catch (e) { if (isWebMqttError(e) && e.code === ErrorCode.AUTH_FAILED) showLogin(); }
 * ```
 */
export const ErrorCode = {
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  INVALID_TOPIC: 'INVALID_TOPIC',
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  AUTH_FAILED: 'AUTH_FAILED',
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  CONNECTION_LOST: 'CONNECTION_LOST',
  RECONNECT_EXHAUSTED: 'RECONNECT_EXHAUSTED',
  QUEUE_FULL: 'QUEUE_FULL',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  SUBSCRIBE_REJECTED: 'SUBSCRIBE_REJECTED',
  PUBLISH_REJECTED: 'PUBLISH_REJECTED',
  UNSUPPORTED_PROTOCOL: 'UNSUPPORTED_PROTOCOL',
  HANDLER_FAILED: 'HANDLER_FAILED',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  INSECURE_TRANSPORT: 'INSECURE_TRANSPORT',
  ABORTED: 'ABORTED',
  /** Node.js: TLS or certificate verification failed (a CA that does not match, a missing client certificate). */
  TLS_FAILED: 'TLS_FAILED',
  /** Node.js: the server answered the WebSocket upgrade with an HTTP status other than 101 (a wrong path, a 404). */
  HANDSHAKE_REJECTED: 'HANDSHAKE_REJECTED',
  /** The server answered with something that is not MQTT, or broke the protocol. */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that describe a condition a later attempt may get past. */
const RETRYABLE: readonly ErrorCode[] = [
  ErrorCode.CONNECT_TIMEOUT,
  ErrorCode.CONNECTION_REFUSED,
  ErrorCode.CONNECTION_LOST,
  ErrorCode.QUEUE_FULL,
  ErrorCode.REQUEST_TIMEOUT,
];

// A global-registry symbol, so ESM and UMD copies loaded side by side recognise each other's errors.
const BRAND = Symbol.for('webmqtt.error');

/** Extra context an error may carry (MQTT reason code, option name, …). */
export interface WebMqttErrorDetails {
  /** Whether retrying may succeed; defaults from the code. */
  retryable?: boolean;
  /** The underlying error. */
  cause?: unknown;
  /** MQTT reason / return code from the broker, when there was one. */
  reasonCode?: number;
  /** The option, topic or field the error is about. */
  field?: string;
}

/**
 * The only error type webmqtt rejects or emits with.
 * `code` is stable; `message` says what happened and what to do.
 */
export class WebMqttError extends Error {
  override readonly name = 'WebMqttError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly reasonCode: number | undefined;
  readonly field: string | undefined;
  declare readonly cause: unknown;

  constructor(code: ErrorCode, message: string, details: WebMqttErrorDetails = {}) {
    // The standard ES2022 `cause`: Error installs it (non-enumerable) only when `details` has one.
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryable = details.retryable ?? RETRYABLE.includes(code);
    this.reasonCode = details.reasonCode;
    this.field = details.field;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True for any webmqtt error, including one thrown by another copy of the library
 * (ESM and UMD side by side), where `instanceof` would fail.
 */
export function isWebMqttError(value: unknown): value is WebMqttError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * A short, safe description of a value for an error message: never the value of a long string (a misplaced token
 * is not echoed), never throws (cyclic objects, symbols, BigInt).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * What a value is, never what it holds: `null`, `an array`, `a string`, `an object`, `a number`… For errors about
 * options that may carry a secret (under `auth`, `tls`, `properties`, a `password`), where even a short value must
 * not be echoed.
 */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Wraps anything thrown by a dependency into a WebMqttError with `code`, keeping it as `cause`. */
export function toWebMqttError(value: unknown, code: ErrorCode, message?: string): WebMqttError {
  if (isWebMqttError(value)) return value;
  const text = message ?? (value instanceof Error ? value.message : String(value));
  return new WebMqttError(code, text, { cause: value });
}
