import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock.js';
import { ExpiryTimers } from '../src/expiry-timers.js';

/** A clock that only moves when told to. */
function manualClock() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimeout: (id) => void timers.delete(id as number),
  };
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = until;
  };
  return { clock, advance, pending: () => timers.size };
}

describe('ExpiryTimers', () => {
  it('fires at the expiry time, not before', () => {
    const { clock, advance } = manualClock();
    const timers = new ExpiryTimers<object>(clock);
    const fired: string[] = [];
    timers.schedule({}, 1_000, () => fired.push('a'));
    advance(999);
    expect(fired).toEqual([]);
    advance(1);
    expect(fired).toEqual(['a']);
    expect(timers.size).toBe(0);
  });

  it('fires at once for a time already past', () => {
    const { clock } = manualClock();
    const fired: number[] = [];
    new ExpiryTimers<object>(clock).schedule({}, -5, () => fired.push(1));
    expect(fired).toEqual([1]);
  });

  it('waits in steps for expiries beyond the longest setTimeout', () => {
    const { clock, advance } = manualClock();
    const fired: number[] = [];
    const fortyDays = 40 * 24 * 3600 * 1000;
    new ExpiryTimers<object>(clock).schedule({}, fortyDays, () => fired.push(1));
    advance(fortyDays - 1);
    expect(fired).toEqual([]);
    advance(1);
    expect(fired).toEqual([1]);
  });

  it('cancel() and cancelAll() stop timers; a new schedule replaces the old one', () => {
    const { clock, advance, pending } = manualClock();
    const timers = new ExpiryTimers<object>(clock);
    const a = {};
    const b = {};
    const fired: string[] = [];
    timers.schedule(a, 100, () => fired.push('a1'));
    timers.schedule(a, 200, () => fired.push('a2'));
    timers.schedule(b, 100, () => fired.push('b'));
    timers.cancel(b);
    advance(300);
    expect(fired).toEqual(['a2']);
    timers.schedule(a, 500, () => fired.push('late'));
    timers.cancelAll();
    advance(1_000);
    expect(fired).toEqual(['a2']);
    expect(pending()).toBe(0);
  });
});
