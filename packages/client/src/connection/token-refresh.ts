/**
 * The token's renewal: what only a client whose token provider is a function runs, once connected. A chunk of its own
 * (connection.ts loads it after the first CONNACK): the first CONNECT never waits for it.
 */
import type { Clock, TimerHandle } from '../core/clock';
import type { NormalizedAuth } from '../core/options';
import { jwtExpiresAt } from './jwt';
import type { ResolvedToken } from './token-auth';

/** Never refresh sooner than this after connecting: a token shorter-lived than the margin must not cause a reconnect loop. */
const MIN_REFRESH_MS = 1_000;

/**
 * When to fetch the next token (ms from now), or undefined when there is nothing to refresh (no known expiry: neither
 * the provider's `expiresAt` nor a JWT `exp`; a static token; or a token already expired that the broker still accepted).
 * A token that lives less than `refreshBeforeExpiryMs` is refreshed at three quarters of its remaining life.
 */
export function refreshDelay(token: ResolvedToken, auth: NormalizedAuth, now: number): number | undefined {
  const expiresAt = token.expiresAt ?? jwtExpiresAt(token.token);
  if (expiresAt === undefined || typeof auth.token === 'string') return undefined;
  const remaining = expiresAt - now;
  if (remaining <= 0) return undefined;
  const planned = remaining - auth.refreshBeforeExpiryMs;
  return planned >= MIN_REFRESH_MS ? planned : Math.max(MIN_REFRESH_MS, Math.floor(remaining * 0.75));
}

/** A planned reconnect waits this long at most for in-flight QoS 1/2 to complete. */
export const DRAIN_LIMIT_MS = 5_000;
const DRAIN_POLL_MS = 20;

/** What the token refresh needs from the connection it renews. */
export interface TokenRefreshHooks {
  /** The socket is up (state `connected`). */
  isConnected(): boolean;
  /** A planned reconnect begins: hold new publishes back. */
  pause(): void;
  /** QoS 1/2 publishes still waiting for their acknowledgement. */
  inFlight(): number;
  /** Draining is over: end the socket with a normal DISCONNECT (no will), so the next attempt fetches a fresh token. */
  disconnect(): void;
}

/**
 * Renews a token before it expires with a planned reconnect: at the refresh time new publishes are
 * held back, in-flight QoS 1/2 gets up to {@link DRAIN_LIMIT_MS} to complete, then the socket is
 * closed normally and the connection's usual reconnect asks the provider again (reason `expiring`).
 */
export class TokenRefresh {
  readonly #clock: Clock;
  readonly #hooks: TokenRefreshHooks;
  #refreshTimer: TimerHandle | undefined;
  #drainTimer: TimerHandle | undefined;
  #planned = false;

  constructor(clock: Clock, hooks: TokenRefreshHooks) {
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** True while new publishes must wait: a planned reconnect is draining in-flight messages. */
  get draining(): boolean {
    return this.#planned;
  }

  /** After a CONNACK: no reconnect is planned any more; the refresh of the token just sent is armed. */
  connected(auth: NormalizedAuth | undefined, token: ResolvedToken | undefined): void {
    this.#planned = false;
    if (!auth || !token) return;
    const delay = refreshDelay(token, auth, this.#clock.now());
    if (delay === undefined) return;
    this.#refreshTimer = this.#clock.setTimeout(() => {
      this.#refreshTimer = undefined;
      this.#begin();
    }, delay);
  }

  /**
   * The connected socket closed. True when that was the planned reconnect (the caller reconnects at
   * once, reason `expiring`); the refresh of the old token is dropped either way.
   */
  socketClosed(): boolean {
    this.#clock.clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    const planned = this.#planned;
    this.#planned = false;
    return planned;
  }

  /** Stops both timers (close, failure); a drain under way stops checking. */
  cancel(): void {
    this.#clock.clearTimeout(this.#refreshTimer);
    this.#clock.clearTimeout(this.#drainTimer);
    this.#refreshTimer = undefined;
    this.#drainTimer = undefined;
  }

  #begin(): void {
    if (!this.#hooks.isConnected()) return;
    this.#planned = true;
    this.#hooks.pause();
    const started = this.#clock.now();
    const check = (): void => {
      this.#drainTimer = undefined;
      if (!this.#hooks.isConnected() || !this.#planned) return;
      if (this.#hooks.inFlight() > 0 && this.#clock.now() - started < DRAIN_LIMIT_MS) {
        this.#drainTimer = this.#clock.setTimeout(check, DRAIN_POLL_MS);
        return;
      }
      this.#hooks.disconnect();
    };
    check();
  }
}
