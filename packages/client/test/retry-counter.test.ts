import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../src/backoff';
import { RetryCounter } from '../src/retry-counter';

const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 'none', maxAttempts: 3, resetAfterMs: 5_000 };

describe('RetryCounter', () => {
  it('grows the delay per failure and numbers the next attempt', () => {
    const r = new RetryCounter();
    expect(r.nextAttempt).toBe(1);
    expect(r.failed(policy, () => 0.5)).toBe(100);
    expect(r.nextAttempt).toBe(2);
    expect(r.failed(policy, () => 0.5)).toBe(200);
    expect(r.failed(policy, () => 0.5)).toBe(400);
    expect(r.nextAttempt).toBe(4);
  });

  it('says undefined once maxAttempts failures are used up', () => {
    const r = new RetryCounter();
    for (let i = 0; i < 3; i++) expect(r.failed(policy, Math.random)).toBeTypeOf('number');
    expect(r.failed(policy, Math.random)).toBeUndefined();
  });

  it('starts again only after a connection that lived resetAfterMs', () => {
    const r = new RetryCounter();
    r.failed(policy, Math.random);
    r.failed(policy, Math.random);
    r.connected(1_000);
    r.disconnected(5_999, policy);
    expect(r.nextAttempt).toBe(3);
    r.connected(10_000);
    r.disconnected(15_000, policy);
    expect(r.nextAttempt).toBe(1);
  });

  it('forgets the last delay for decorrelated jitter without forgetting the count', () => {
    const decorrelated: BackoffPolicy = { ...policy, jitter: 'decorrelated', maxAttempts: 10 };
    const r = new RetryCounter();
    r.failed(decorrelated, () => 0.999);
    const grown = r.failed(decorrelated, () => 0.999)!;
    r.forgetDelay();
    const fresh = r.failed(decorrelated, () => 0.999)!;
    expect(fresh).toBeLessThanOrEqual(grown);
    expect(r.nextAttempt).toBe(4);
  });
});
