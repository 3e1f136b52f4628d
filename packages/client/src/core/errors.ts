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
  /** An option of `createClient()` or an argument of a call is invalid (`field` names it); fix the value the message describes. */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  /** A topic name or subscription filter is not valid MQTT (empty, misplaced wildcards, …); fix the topic. */
  INVALID_TOPIC: 'INVALID_TOPIC',
  /** A payload is neither a string nor bytes; serialise it first (for example with `JSON.stringify`). */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** The broker refused the credentials, or the token provider failed or returned no token; check the token and `auth.placement`. */
  AUTH_FAILED: 'AUTH_FAILED',
  /** No CONNACK arrived within `connectTimeoutMs`; check the URL and that the broker is up (the client retries). */
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  /** The broker could not be reached or refused the connection (not for the credentials); check the URL and the broker (retried unless the refusal is final). */
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  /** The connection dropped, or a publish was made while not connected with the offline queue off; the client reconnects by itself. */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** The client gave up after `reconnect.maxAttempts` failed attempts (state `failed`, the last failure as `cause`); call `connect()` to start again. */
  RECONNECT_EXHAUSTED: 'RECONNECT_EXHAUSTED',
  /** A publish did not fit in the offline queue and was dropped or refused (`offlineQueue.overflow`); publish again once connected, or raise the queue's limits. */
  QUEUE_FULL: 'QUEUE_FULL',
  /** The client was closed (before or while the call ran); create a new one with `createClient()`. */
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  /** The broker refused a subscription (its reason code in `reasonCode`); check the filter and this client's permissions. */
  SUBSCRIBE_REJECTED: 'SUBSCRIBE_REJECTED',
  /** The broker (or MQTT.js) refused a publish (a reason code in `reasonCode` when the broker sent one); check the topic and this client's permissions. */
  PUBLISH_REJECTED: 'PUBLISH_REJECTED',
  /** The call needs MQTT 5 (`request()`) but the broker speaks 3.1.1; use an MQTT 5 broker or do without the feature. */
  UNSUPPORTED_PROTOCOL: 'UNSUPPORTED_PROTOCOL',
  /** A message handler threw (the error is the `cause`, emitted on `error`); the client goes on, so fix the handler. */
  HANDLER_FAILED: 'HANDLER_FAILED',
  /** No reply to a `request()` within its `timeoutMs`; check that a responder is subscribed to the topic (retrying may succeed). */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** Credentials would go over plain `ws://` to another machine, so nothing was sent; use `wss://`, or `allowInsecureAuth: true` on a trusted network. */
  INSECURE_TRANSPORT: 'INSECURE_TRANSPORT',
  /** The operation was cancelled (its `AbortSignal` fired, or its subscription was removed before the broker confirmed it); nothing to do unless it was unintended. */
  ABORTED: 'ABORTED',
  /** Node.js: TLS or certificate verification failed (a CA that does not match, a missing client certificate). */
  TLS_FAILED: 'TLS_FAILED',
  /** Node.js: the server answered the WebSocket upgrade with an HTTP status other than 101 (a wrong path, a 404). */
  HANDSHAKE_REJECTED: 'HANDSHAKE_REJECTED',
  /** The server answered with something that is not MQTT, or broke the protocol. */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  /**
   * `offlineQueue.persist` is on but IndexedDB cannot be used (missing as in Node.js, blocked as in some private modes,
   * a newer version of the database, or a failing write; the `cause` says which): emitted once on `error`, and from then
   * on publishes are kept in memory only, as without `persist`. Nothing queued is lost; nothing survives a reload.
   */
  PERSISTENCE_OFF: 'PERSISTENCE_OFF',
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
  /** Always `'WebMqttError'`. */
  override readonly name = 'WebMqttError';
  /** What went wrong, as one of the stable {@link ErrorCode} values: compare against it, never against `message`. */
  readonly code: ErrorCode;
  /** Whether a later attempt may succeed; by default true for `CONNECT_TIMEOUT`, `CONNECTION_REFUSED`, `CONNECTION_LOST`, `QUEUE_FULL` and `REQUEST_TIMEOUT`. */
  readonly retryable: boolean;
  /** The MQTT reason or return code the broker sent, when there was one (a CONNACK, SUBACK, PUBACK or DISCONNECT code). */
  readonly reasonCode: number | undefined;
  /** The option, argument or field the error is about (`'url'`, `'auth.token'`, `'topic'`, …), when there is one. */
  readonly field: string | undefined;
  /** The underlying error (from MQTT.js, the socket, a token provider or a handler), when there is one. */
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
