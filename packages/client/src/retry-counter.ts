import { backoffDelay, shouldResetAttempts, type BackoffPolicy } from './backoff';

/**
 * The state behind the backoff: failed attempts in a row, the last delay (decorrelated jitter grows
 * from it) and when the connection last came up (a long-lived one starts the count again).
 * No timers: the connection asks it for numbers and waits itself.
 */
export class RetryCounter {
  private failures = 0;
  private lastDelay: number | undefined;
  private connectedAt = 0;

  /** The number of the attempt about to be made: 1 for the first. */
  get nextAttempt(): number {
    return this.failures + 1;
  }

  /** Counting from 1 again (connect() from idle or failed). */
  reset(): void {
    this.failures = 0;
    this.lastDelay = undefined;
  }

  /** A "try now" (browser back online, tab visible): the next wait grows from the bottom again. */
  forgetDelay(): void {
    this.lastDelay = undefined;
  }

  connected(now: number): void {
    this.connectedAt = now;
  }

  /** The connection dropped; one that stayed up `policy.resetAfterMs` or longer resets the count. */
  disconnected(now: number, policy: BackoffPolicy): void {
    if (shouldResetAttempts(this.connectedAt, now, policy)) this.reset();
  }

  /** One more failure: the delay before the next attempt, or undefined once `policy.maxAttempts` is used up. */
  failed(policy: BackoffPolicy, random: () => number): number | undefined {
    this.failures++;
    if (this.failures > policy.maxAttempts) return undefined;
    const delay = backoffDelay(this.failures, policy, random, this.lastDelay);
    this.lastDelay = delay;
    return delay;
  }
}
