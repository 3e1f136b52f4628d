/**
 * Stable error codes of the broker package. Compare against these, never against messages.
 *
 * @example
 * ```ts
 * try { await startBroker({ wsPort: 8084 }); }
 * catch (e) { if (isBrokerError(e) && e.code === BrokerErrorCode.PORT_IN_USE) console.error(e.message); }
 * ```
 */
export const BrokerErrorCode = {
  /** An option has the wrong type or value; `field` names it. */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  /** A port we were asked to listen on is taken; `field` names the option, `port` the number. */
  PORT_IN_USE: 'PORT_IN_USE',
  /** Listening failed for another reason (permission, bad host, …). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** The TLS certificate could not be read or generated. */
  CERTIFICATE_FAILED: 'CERTIFICATE_FAILED',
  /** `issueToken()` was called on a broker that has no HS256 secret to sign with. */
  CANNOT_ISSUE_TOKEN: 'CANNOT_ISSUE_TOKEN',
  /** The broker was stopped; it cannot be resumed. */
  BROKER_STOPPED: 'BROKER_STOPPED',
} as const;

/** One of the {@link BrokerErrorCode} values. */
export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode];

// A global-registry symbol, so two copies of this package recognise each other's errors.
const BRAND = Symbol.for('webmqtt.broker.error');

/** Extra context a {@link BrokerError} may carry. */
export interface BrokerErrorDetails {
  /** The option the error is about. */
  field?: string;
  /** The port involved, for listen errors. */
  port?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** The only error type the broker package throws. `code` is stable; `message` says what to do. */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly code: BrokerErrorCode;
  readonly field: string | undefined;
  readonly port: number | undefined;
  declare readonly cause: unknown;

  constructor(code: BrokerErrorCode, message: string, details: BrokerErrorDetails = {}) {
    super(message);
    this.code = code;
    this.field = details.field;
    this.port = details.port;
    if (details.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: details.cause, enumerable: false, writable: true, configurable: true });
    }
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any {@link BrokerError}, also one created by another copy of this package. */
export function isBrokerError(value: unknown): value is BrokerError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Throws the `INVALID_OPTIONS` error for `field`, saying what was expected. */
export function invalidOption(field: string, expected: string): never {
  throw new BrokerError(BrokerErrorCode.INVALID_OPTIONS, `${field} must be ${expected}`, { field });
}
