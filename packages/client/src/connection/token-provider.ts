import type { Clock } from '../core/clock';
import { ErrorCode, WebMqttError, isWebMqttError } from '../core/errors';
import type { NormalizedAuth, TokenReason } from '../core/options';
import type { ResolvedToken } from './token-auth';

function invalidToken(detail: string): WebMqttError {
  return new WebMqttError(
    ErrorCode.AUTH_FAILED,
    `The token provider returned ${detail}. Return a non-empty string or { token, expiresAt }.`,
    { retryable: true, field: 'auth.token' },
  );
}

function toResolved(result: unknown): ResolvedToken {
  if (typeof result === 'string') {
    if (result.length === 0) throw invalidToken('an empty string');
    return { token: result, expiresAt: undefined };
  }
  if (typeof result === 'object' && result !== null && typeof (result as { token?: unknown }).token === 'string') {
    const { token, expiresAt } = result as { token: string; expiresAt?: unknown };
    if (token.length === 0) throw invalidToken('an empty token');
    if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) {
      throw invalidToken('an expiresAt that is not a number of ms since epoch');
    }
    return { token, expiresAt };
  }
  const got = result === null ? 'null' : result === undefined ? 'undefined' : `a ${typeof result}`;
  throw invalidToken(got);
}

/**
 * Asks the configured token source for a token, bounded by `providerTimeoutMs`.
 * A provider that throws, hangs or returns garbage becomes a retryable `AUTH_FAILED`
 * with the original error as `cause` — a failed attempt, never a crash.
 */
export function resolveToken(
  auth: NormalizedAuth,
  context: { attempt: number; reason: TokenReason },
  clock: Clock,
  cancel?: { onCancel?: () => void },
): Promise<ResolvedToken> {
  const source = auth.token;
  if (typeof source === 'string') return Promise.resolve({ token: source, expiresAt: undefined });
  return new Promise<ResolvedToken>((resolve, reject) => {
    let settled = false;
    if (cancel) {
      // The client closed or moved on: drop the timeout timer; the provider's answer is ignored.
      cancel.onCancel = () => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
      };
    }
    const timer = clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new WebMqttError(
        ErrorCode.AUTH_FAILED,
        `The token provider did not answer within ${auth.providerTimeoutMs} ms; check the backend it calls (auth.providerTimeoutMs sets the limit).`,
        { retryable: true, field: 'auth.token' },
      ));
    }, auth.providerTimeoutMs);
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      fn();
    };
    let pending: unknown;
    try {
      pending = source({ ...context });
    } catch (error) {
      pending = Promise.reject(error);
    }
    Promise.resolve(pending).then(
      (value) => finish(() => {
        try {
          resolve(toResolved(value));
        } catch (error) {
          reject(error);
        }
      }),
      (error: unknown) => finish(() => reject(isWebMqttError(error) ? error : new WebMqttError(
        ErrorCode.AUTH_FAILED,
        'The token provider failed; the next attempt will ask it again (see cause).',
        { retryable: true, cause: error, field: 'auth.token' },
      ))),
    );
  });
}
