import { describe, expect, it } from 'vitest';
import type { BackoffPolicy } from '../src/connection/backoff';
import { DEFAULT_RECONNECT } from '../src/core/defaults';
import { RetryCounter } from '../src/connection/retry-counter';

const policy: BackoffPolicy = { ...DEFAULT_RECONNECT, initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 'none', maxAttempts: 3, resetAfterMs: 5_000 };

describe('RetryCounter', () => {
  it('grows the delay per failure and numbers the next attempt', () => {
    const r = new RetryCounter();
    const long = { ...policy, maxAttempts: 10 };
    expect(r.nextAttempt).toBe(1);
    expect(r.failed(long, () => 0.5)).toBe(100);
    expect(r.nextAttempt).toBe(2);
    expect(r.failed(long, () => 0.5)).toBe(200);
    expect(r.failed(long, () => 0.5)).toBe(400);
    expect(r.nextAttempt).toBe(4);
    expect(r.failures).toBe(3);
  });

  it('from a cold start, maxAttempts 3 means three attempts: the third failure says stop', () => {
    const r = new RetryCounter();
    expect(r.failed(policy, Math.random)).toBeTypeOf('number'); // attempt 1 failed, attempt 2 follows
    expect(r.failed(policy, Math.random)).toBeTypeOf('number'); // attempt 2 failed, attempt 3 follows
    expect(r.failed(policy, Math.random)).toBeUndefined(); // attempt 3 failed: no attempt 4
    expect(r.failures).toBe(3);
  });

  it('maxAttempts 1: the first failure says stop', () => {
    const r = new RetryCounter();
    expect(r.failed({ ...policy, maxAttempts: 1 }, Math.random)).toBeUndefined();
  });

  it('a lost connection is a wait, not a failed attempt: three attempts after a drop with maxAttempts 3', () => {
    const r = new RetryCounter();
    expect(r.lost(policy, () => 0.5)).toBe(100);
    expect(r.nextAttempt).toBe(2);
    expect(r.failed(policy, () => 0.5)).toBe(200);
    expect(r.failed(policy, () => 0.5)).toBe(400);
    expect(r.failed(policy, () => 0.5)).toBeUndefined();
    expect(r.failures).toBe(3);
  });

  it('starts again only after a connection that lived resetAfterMs', () => {
    const r = new RetryCounter();
    const long = { ...policy, maxAttempts: 10 };
    r.failed(long, Math.random);
    r.failed(long, Math.random);
    r.connected(1_000);
    r.disconnected(5_999, policy);
    expect(r.nextAttempt).toBe(3);
    expect(r.failures).toBe(2);
    r.connected(10_000);
    r.disconnected(15_000, policy);
    expect(r.nextAttempt).toBe(1);
    expect(r.failures).toBe(0);
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
