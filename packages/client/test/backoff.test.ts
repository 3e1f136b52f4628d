import { describe, expect, it } from 'vitest';
import {
  backoffCeiling,
  backoffDelay,
  shouldResetAttempts,
  type BackoffPolicy,
  type JitterMode,
} from '../src/connection/backoff';
import { MAX_TIMER_DELAY_MS } from '../src/core/clock';
import { DEFAULT_RECONNECT } from '../src/core/defaults';
import { seededRandom as mulberry32 } from './support/random';


const policy = (overrides: Partial<BackoffPolicy> = {}): BackoffPolicy => ({ ...DEFAULT_RECONNECT, ...overrides });

describe('backoffCeiling', () => {
  it('grows exponentially from initialDelayMs and saturates at maxDelayMs', () => {
    const p = policy();
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeiling(n, p))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it('stays finite and equal to maxDelayMs for huge attempt numbers', () => {
    const p = policy();
    for (const n of [1_000, 1e6, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity]) {
      expect(backoffCeiling(n, p)).toBe(30000);
    }
  });

  it('is constant with factor 1, even for an infinite attempt number', () => {
    const p = policy({ factor: 1 });
    expect(backoffCeiling(1, p)).toBe(1000);
    expect(backoffCeiling(1e9, p)).toBe(1000);
    expect(backoffCeiling(Infinity, p)).toBe(1000);
  });

  it('treats attempts below 1 and NaN as the first attempt', () => {
    const p = policy();
    expect(backoffCeiling(0, p)).toBe(1000);
    expect(backoffCeiling(-5, p)).toBe(1000);
    expect(backoffCeiling(Number.NaN, p)).toBe(1000);
  });

  it('never exceeds a maxDelayMs smaller than initialDelayMs', () => {
    expect(backoffCeiling(1, policy({ initialDelayMs: 5000, maxDelayMs: 2000 }))).toBe(2000);
  });

  it('caps an infinite maxDelayMs at the longest delay a browser timer can wait', () => {
    expect(backoffCeiling(200, policy({ maxDelayMs: Infinity }))).toBe(MAX_TIMER_DELAY_MS);
  });

  it('returns 0 when initialDelayMs is 0', () => {
    expect(backoffCeiling(50, policy({ initialDelayMs: 0 }))).toBe(0);
  });
});

describe('backoffDelay', () => {
  const modes: JitterMode[] = ['full', 'equal', 'decorrelated', 'none'];

  it.each(modes)('%s: is an integer within [0, maxDelayMs] for attempts 1..50', (jitter) => {
    const p = policy({ jitter });
    const random = mulberry32(42);
    let previous: number | undefined;
    for (let attempt = 1; attempt <= 50; attempt++) {
      for (let i = 0; i < 20; i++) {
        const d = backoffDelay(attempt, p, random, previous);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(p.maxDelayMs);
        previous = d;
      }
    }
  });

  it('full: stays below the ceiling of each attempt', () => {
    const p = policy({ jitter: 'full' });
    const random = mulberry32(1);
    for (let attempt = 1; attempt <= 50; attempt++) {
      const ceiling = backoffCeiling(attempt, p);
      for (let i = 0; i < 50; i++) expect(backoffDelay(attempt, p, random)).toBeLessThanOrEqual(ceiling);
    }
  });

  it('full: averages half the ceiling over 10k samples (within 5%)', () => {
    const p = policy({ jitter: 'full' });
    const random = mulberry32(7);
    const ceiling = backoffCeiling(4, p);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += backoffDelay(4, p, random);
    const mean = sum / 10_000;
    expect(Math.abs(mean - ceiling / 2) / (ceiling / 2)).toBeLessThan(0.05);
  });

  it('full: uses the whole range, from near 0 to near the ceiling', () => {
    const p = policy({ jitter: 'full' });
    expect(backoffDelay(3, p, () => 0)).toBe(0);
    expect(backoffDelay(3, p, () => 0.999999)).toBe(3999);
  });

  it('equal: stays within [ceiling/2, ceiling] for attempts 1..50', () => {
    const p = policy({ jitter: 'equal' });
    const random = mulberry32(2);
    for (let attempt = 1; attempt <= 50; attempt++) {
      const ceiling = backoffCeiling(attempt, p);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, p, random);
        expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('equal: averages three quarters of the ceiling', () => {
    const p = policy({ jitter: 'equal' });
    const random = mulberry32(3);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += backoffDelay(2, p, random);
    expect(Math.abs(sum / 10_000 - 1500) / 1500).toBeLessThan(0.05);
  });

  it('none: is deterministic and equals the ceiling, whatever random() returns', () => {
    const p = policy({ jitter: 'none' });
    for (let attempt = 1; attempt <= 50; attempt++) {
      expect(backoffDelay(attempt, p, () => 0)).toBe(backoffCeiling(attempt, p));
      expect(backoffDelay(attempt, p, () => 0.9)).toBe(backoffCeiling(attempt, p));
    }
  });

  it('none: never calls random()', () => {
    let calls = 0;
    backoffDelay(3, policy({ jitter: 'none' }), () => (calls++, 0.5));
    expect(calls).toBe(0);
  });

  it('decorrelated: stays within [initialDelayMs, maxDelayMs] over a long chain', () => {
    const p = policy({ jitter: 'decorrelated' });
    const random = mulberry32(99);
    let previous: number | undefined;
    for (let attempt = 1; attempt <= 10_000; attempt++) {
      const d = backoffDelay(attempt, p, random, previous);
      expect(d).toBeGreaterThanOrEqual(p.initialDelayMs);
      expect(d).toBeLessThanOrEqual(p.maxDelayMs);
      previous = d;
    }
  });

  it('decorrelated: draws between initialDelayMs and three times the previous delay', () => {
    const p = policy({ jitter: 'decorrelated' });
    expect(backoffDelay(1, p, () => 0, 4000)).toBe(1000);
    expect(backoffDelay(1, p, () => 0.5, 4000)).toBe(6500); // 1000 + 0.5 * (12000 - 1000)
    expect(backoffDelay(1, p, () => 0.999999, 20000)).toBeLessThanOrEqual(30000);
    expect(backoffDelay(1, p, () => 0.999999, 20000)).toBeGreaterThan(29000);
  });

  it('decorrelated: starts from initialDelayMs when there is no previous delay', () => {
    const p = policy({ jitter: 'decorrelated' });
    expect(backoffDelay(1, p, () => 0.5)).toBe(2000); // between 1000 and 3000
  });

  it('decorrelated: treats a previous delay below initialDelayMs as initialDelayMs', () => {
    const p = policy({ jitter: 'decorrelated' });
    const d = backoffDelay(1, p, () => 0.5, 0);
    expect(d).toBe(1000);
  });

  it.each(modes)('%s: huge attempt numbers give a finite delay within bounds', (jitter) => {
    const p = policy({ jitter });
    for (const attempt of [1e6, Number.MAX_SAFE_INTEGER, Infinity]) {
      const d = backoffDelay(attempt, p, () => 0.5, 30000);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(30000);
    }
  });

  it.each(modes)('%s: a random() returning 1, a negative or NaN never escapes the bounds', (jitter) => {
    const p = policy({ jitter });
    for (const value of [1, -0.5, Number.NaN, 7]) {
      const d = backoffDelay(5, p, () => value, 8000);
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(30000);
    }
  });

  it('is reproducible for the same seed', () => {
    const p = policy({ jitter: 'full' });
    const a = mulberry32(5);
    const b = mulberry32(5);
    const runA = Array.from({ length: 20 }, (_, i) => backoffDelay(i + 1, p, a));
    const runB = Array.from({ length: 20 }, (_, i) => backoffDelay(i + 1, p, b));
    expect(runA).toEqual(runB);
  });
});

describe('shouldResetAttempts', () => {
  const p = policy({ resetAfterMs: 10_000 });

  it('resets after at least resetAfterMs of uptime', () => {
    expect(shouldResetAttempts(1_000, 11_000, p)).toBe(true);
    expect(shouldResetAttempts(1_000, 50_000, p)).toBe(true);
  });

  it('does not reset when the connection dropped sooner', () => {
    expect(shouldResetAttempts(1_000, 10_999, p)).toBe(false);
    expect(shouldResetAttempts(1_000, 1_000, p)).toBe(false);
  });

  it('does not reset when the clock went backwards', () => {
    expect(shouldResetAttempts(50_000, 1_000, p)).toBe(false);
  });

  it('resets on any drop when resetAfterMs is 0, never when it is Infinity', () => {
    expect(shouldResetAttempts(5, 5, policy({ resetAfterMs: 0 }))).toBe(true);
    expect(shouldResetAttempts(0, 1e15, policy({ resetAfterMs: Infinity }))).toBe(false);
  });
});
