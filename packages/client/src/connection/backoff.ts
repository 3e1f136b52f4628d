/**
 * How the delay before each reconnect attempt is spread out.
 *
 * - `'full'`: anywhere in `[0, ceiling)`; spreads a thundering herd best.
 * - `'equal'`: in `[ceiling / 2, ceiling)`; never retries almost at once.
 * - `'decorrelated'`: AWS "decorrelated jitter", based on the previous delay.
 * - `'none'`: exactly the ceiling; deterministic, for tests and single clients.
 */
export type JitterMode = 'full' | 'equal' | 'decorrelated' | 'none';

import { MAX_TIMER_DELAY_MS } from '../core/clock';

/** Exponential backoff settings, in their normalised (all fields present) shape. */
export interface BackoffPolicy {
  /** Ceiling of the first delay. */
  initialDelayMs: number;
  /** No delay is ever longer than this. */
  maxDelayMs: number;
  /** The ceiling grows by this factor per attempt. */
  factor: number;
  /** How each delay is randomised below its ceiling. */
  jitter: JitterMode;
  /** After this many failed attempts in a row the client gives up (`RECONNECT_EXHAUSTED`). */
  maxAttempts: number;
  /** The attempt counter resets only after a connection has stayed up this long. */
  resetAfterMs: number;
}

/** The effective upper bound: `maxDelayMs`, but never beyond what a timer can wait (a longer one would fire at once: a busy loop). */
function cap(policy: BackoffPolicy): number {
  const max = policy.maxDelayMs;
  if (Number.isNaN(max) || max <= 0) return 0;
  return Math.min(max, MAX_TIMER_DELAY_MS);
}

/** Keeps an injected random source inside [0, 1) even if it misbehaves. */
function unit(random: () => number): number {
  const r = random();
  if (!(r >= 0)) return 0; // NaN and negatives
  return r >= 1 ? 1 - Number.EPSILON : r;
}

/**
 * The largest delay allowed before attempt number `attempt` (1-based):
 * `min(maxDelayMs, initialDelayMs * factor ^ (attempt - 1))`.
 *
 * Safe for any attempt number: a huge exponent saturates at `maxDelayMs`
 * instead of producing `Infinity` or `NaN`.
 *
 * @example
 * ```ts
 * backoffCeiling(3, DEFAULT_RECONNECT); // 4000 (core/defaults.ts)
 * ```
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const max = cap(policy);
  const initial = policy.initialDelayMs;
  if (!(initial > 0)) return 0;
  if (initial >= max) return max;
  const exponent = Number.isNaN(attempt) ? 0 : Math.max(0, attempt - 1);
  const factor = policy.factor;
  // 1 ** Infinity is NaN, so a non-growing factor is handled without exponentiation.
  if (!(factor > 1)) return factor >= 0 && factor < 1 ? initial * factor ** exponent : initial;
  // Compare in log space so the product never overflows for huge attempts.
  if (exponent * Math.log(factor) >= Math.log(max / initial)) return max;
  return Math.min(max, initial * factor ** exponent);
}

/**
 * The delay in whole milliseconds to wait before reconnect attempt `attempt`
 * (1-based). Pure: the randomness is injected, so tests pass a seeded source.
 *
 * Always an integer in `[0, maxDelayMs]`; `'decorrelated'` stays within
 * `[initialDelayMs, maxDelayMs]` and needs the delay it returned last time as
 * `previousDelayMs` (omit it for the first attempt).
 *
 * @param random - returns a number in [0, 1), like `Math.random`.
 *
 * @example
 * ```ts
 * const delay = backoffDelay(attempt, policy, Math.random, lastDelay);
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number,
  previousDelayMs?: number,
): number {
  const max = cap(policy);
  switch (policy.jitter) {
    case 'none':
      return Math.floor(backoffCeiling(attempt, policy));
    case 'equal': {
      const ceiling = backoffCeiling(attempt, policy);
      return clamp(Math.floor(ceiling / 2 + (unit(random) * ceiling) / 2), 0, max);
    }
    case 'decorrelated': {
      // AWS: sleep = min(cap, random_between(base, previous * 3)); the attempt number plays no part.
      const base = Math.min(Math.max(policy.initialDelayMs, 0) || 0, max);
      const previous = previousDelayMs !== undefined && previousDelayMs >= 0 ? previousDelayMs : base;
      const upper = Math.min(Math.max(previous * 3, base), max);
      return clamp(Math.floor(base + unit(random) * (upper - base)), Math.ceil(base), max);
    }
    case 'full':
    default:
      return clamp(Math.floor(unit(random) * backoffCeiling(attempt, policy)), 0, max);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, Math.min(min, max)), max);
}

/**
 * Whether a connection that came up at `connectedAt` and dropped at `now`
 * stayed up long enough (`resetAfterMs`) to start counting attempts from 1
 * again. Without this, a broker that accepts and then kicks the client
 * straight away would be hammered at the initial delay forever.
 */
export function shouldResetAttempts(connectedAt: number, now: number, policy: BackoffPolicy): boolean {
  return now - connectedAt >= policy.resetAfterMs;
}
