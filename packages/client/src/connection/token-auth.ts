import type { Clock } from '../core/clock';
import { ErrorCode, WebMqttError, isWebMqttError } from '../core/errors';
import { jwtExpiresAt } from './jwt';
import type { NormalizedAuth, NormalizedOptions, TokenReason } from '../core/options';
import { withQueryParam } from '../core/url';

/** A token ready to be sent, and when it stops being valid (ms since epoch), if known. */
export interface ResolvedToken {
  token: string;
  expiresAt: number | undefined;
}

/** What a connection attempt sends: the URL to open and the CONNECT credentials. */
export interface Credentials {
  url: string;
  username: string | undefined;
  password: string | Uint8Array | undefined;
}

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
    return { token: result, expiresAt: jwtExpiresAt(result) };
  }
  if (typeof result === 'object' && result !== null && typeof (result as { token?: unknown }).token === 'string') {
    const { token, expiresAt } = result as { token: string; expiresAt?: unknown };
    if (token.length === 0) throw invalidToken('an empty token');
    if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) {
      throw invalidToken('an expiresAt that is not a number of ms since epoch');
    }
    return { token, expiresAt: expiresAt ?? jwtExpiresAt(token) };
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
  if (typeof source === 'string') return Promise.resolve({ token: source, expiresAt: jwtExpiresAt(source) });
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

/** Puts the token where the broker expects it. */
export function applyToken(
  opts: Pick<NormalizedOptions, 'auth' | 'username' | 'password'>,
  url: string,
  token: string | undefined,
): Credentials {
  const auth = opts.auth;
  let creds: Credentials;
  if (!auth || token === undefined) creds = { url, username: opts.username, password: opts.password };
  else if (auth.placement === 'username') creds = { url, username: token, password: opts.password };
  else if (auth.placement === 'query') creds = { url: withQueryParam(url, auth.queryParam, token), username: auth.username ?? opts.username, password: opts.password };
  else creds = { url, username: auth.username ?? opts.username, password: token };
  // MQTT 3.1.1 forbids a password without a username: send an empty one when none is configured.
  if (creds.password !== undefined && creds.username === undefined) creds.username = '';
  return creds;
}

/** Never refresh sooner than this after connecting: a token shorter-lived than the margin must not cause a reconnect loop. */
const MIN_REFRESH_MS = 1_000;

/**
 * When to fetch the next token (ms from now), or undefined when there is nothing to refresh
 * (no known expiry, a static token, or a token already expired that the broker still accepted).
 * A token that lives less than `refreshBeforeExpiryMs` is refreshed at three quarters of its remaining life.
 */
export function refreshDelay(token: ResolvedToken, auth: NormalizedAuth, now: number): number | undefined {
  if (token.expiresAt === undefined || typeof auth.token === 'string') return undefined;
  const remaining = token.expiresAt - now;
  if (remaining <= 0) return undefined;
  const planned = remaining - auth.refreshBeforeExpiryMs;
  return planned >= MIN_REFRESH_MS ? planned : Math.max(MIN_REFRESH_MS, Math.floor(remaining * 0.75));
}
