import { ErrorCode, WebMqttError } from '../core/errors';
import type { NormalizedAuth } from '../core/options';

/**
 * What follows a failed attempt, once the protocol fallback has had its say:
 * - `'fresh-token'`: the broker refused the credentials (a CONNACK code, a close code or reason, HTTP 401/403) and a
 *   provider can give others: one more attempt at once with a fresh token;
 * - `'give-up'`: a second refusal in a row (`rejections` counts the fresh-token retries so far), a static token, or a
 *   failure no retry helps (`retryable: false`): state `failed`;
 * - `'backoff'`: wait, then try again. A provider that failed is retryable, and goes through the backoff.
 * Pure.
 */
export function afterFailedAttempt(error: WebMqttError, rejections: number, auth: NormalizedAuth | undefined): 'fresh-token' | 'give-up' | 'backoff' {
  if (error.code === ErrorCode.AUTH_FAILED && !error.retryable) {
    return rejections > 0 || !auth || typeof auth.token === 'string' ? 'give-up' : 'fresh-token';
  }
  return error.retryable ? 'backoff' : 'give-up';
}

/** The reason `failed` gives once `maxAttempts` attempts in a row have failed. Pure. */
export function exhaustedError(failures: number, maxAttempts: number, last: WebMqttError): WebMqttError {
  return new WebMqttError(
    ErrorCode.RECONNECT_EXHAUSTED,
    `Gave up after ${failures} ${failures === 1 ? 'attempt' : 'attempts'}, each failed (reconnect.maxAttempts is ${maxAttempts}); call connect() to start again. Last failure: ${last.message}`,
    { cause: last, retryable: false },
  );
}
