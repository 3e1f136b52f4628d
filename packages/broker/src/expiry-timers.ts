import { systemClock, type Clock, type TimerHandle } from './clock.js';

// setTimeout cannot wait longer than this (about 24.8 days); longer waits are done in steps.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer per key (a connected client) that fires when its token expires.
 * Used for `auth.disconnectOnExpiry`.
 */
export class ExpiryTimers<K extends object> {
  private readonly timers = new Map<K, TimerHandle>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** Calls `onExpire` at `expiresAt` (ms since epoch), replacing any timer already set for `key`. */
  schedule(key: K, expiresAt: number, onExpire: () => void): void {
    this.cancel(key);
    const arm = (): void => {
      const delay = expiresAt - this.clock.now();
      if (delay <= 0) {
        this.timers.delete(key);
        onExpire();
        return;
      }
      this.timers.set(key, this.clock.setTimeout(arm, Math.min(delay, MAX_DELAY_MS)));
    };
    arm();
  }

  /** Forgets the timer of `key`, if any. */
  cancel(key: K): void {
    const handle = this.timers.get(key);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.timers.delete(key);
  }

  /** Forgets every timer. */
  cancelAll(): void {
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
  }

  /** How many timers are pending. */
  get size(): number {
    return this.timers.size;
  }
}
