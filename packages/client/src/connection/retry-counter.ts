import { backoffDelay, shouldResetAttempts, type BackoffPolicy } from './backoff';

/**
 * The state behind the backoff: failed attempts (what `maxAttempts` counts), the waits taken so far in this
 * sequence (what the delay grows with), the last delay (decorrelated jitter grows from it) and when the
 * connection last came up (one that stays up `resetAfterMs` starts both counts again). A lost connection is a
 * wait, not a failed attempt: `maxAttempts: 3` makes three attempts after a drop, and three from a cold start.
 * No timers: the connection asks it for numbers and waits itself.
 */
export class RetryCounter {
  #failures = 0;
  #waits = 0;
  #lastDelay: number | undefined;
  #connectedAt = 0;

  /** The number of the attempt about to be made, or waited for: 1 for the first of a sequence. */
  get nextAttempt(): number {
    return this.#waits + 1;
  }

  /** Attempts that failed since the count last started again. */
  get failures(): number {
    return this.#failures;
  }

  /** Counting from 1 again (connect() from idle or failed, or a connection that lived `resetAfterMs`). */
  reset(): void {
    this.#failures = 0;
    this.#waits = 0;
    this.#lastDelay = undefined;
  }

  /** A "try now" (browser back online, tab visible): the next wait grows from the bottom again. */
  forgetDelay(): void {
    this.#lastDelay = undefined;
  }

  connected(now: number): void {
    this.#connectedAt = now;
  }

  /** The connection dropped; one that stayed up `policy.resetAfterMs` or longer resets the count. */
  disconnected(now: number, policy: BackoffPolicy): void {
    if (shouldResetAttempts(this.#connectedAt, now, policy)) this.reset();
  }

  /** The connection was lost (not an attempt that failed): the delay before the next attempt. */
  lost(policy: BackoffPolicy, random: () => number): number {
    return this.#wait(policy, random);
  }

  /** An attempt failed: the delay before the next one, or undefined once `policy.maxAttempts` attempts have failed. */
  failed(policy: BackoffPolicy, random: () => number): number | undefined {
    this.#failures++;
    if (this.#failures >= policy.maxAttempts) return undefined;
    return this.#wait(policy, random);
  }

  #wait(policy: BackoffPolicy, random: () => number): number {
    this.#waits++;
    const delay = backoffDelay(this.#waits, policy, random, this.#lastDelay);
    this.#lastDelay = delay;
    return delay;
  }
}
