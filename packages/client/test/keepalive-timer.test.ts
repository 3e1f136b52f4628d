import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../src/core/clock';
import { keepaliveTimer } from '../src/connection/keepalive-timer';
import { nextTurn } from '../src/core/next-turn';
import { ManualClock } from './support/fake-mqtt';

/** A manual clock that records, for every setTimeout, whether it was called from inside a timer callback. */
class ChainWatchingClock implements Clock {
  readonly inner = new ManualClock();
  readonly armedInsideATimer: boolean[] = [];
  private inTimer = 0;
  now(): number {
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.armedInsideATimer.push(this.inTimer > 0 && ms > 0);
    return this.inner.setTimeout(() => {
      this.inTimer++;
      try {
        fn();
      } finally {
        this.inTimer--;
      }
    }, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    this.inner.clearTimeout(handle);
  }
  /** A turn that is not a timer (a message task in a browser). */
  nextTurn(fn: () => void): () => void {
    let live = true;
    void Promise.resolve().then(() => live && fn());
    return () => {
      live = false;
    };
  }
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('keepaliveTimer (MQTT.js timerVariant)', () => {
  it('repeats every period on the injected clock until cleared', async () => {
    const clock = new ChainWatchingClock();
    const timer = keepaliveTimer(clock, nextTurn(clock));
    let ticks = 0;
    const handle = timer.set(() => ticks++, 1_000);
    for (let i = 0; i < 3; i++) {
      clock.inner.advance(1_000);
      await settle();
    }
    expect(ticks).toBe(3);
    timer.clear(handle);
    clock.inner.advance(5_000);
    await settle();
    expect(ticks).toBe(3);
    expect(clock.inner.pendingTimers).toBe(0);
  });

  it('arms each period from a fresh task, never from inside a timer callback (no timer chain for Chromium to throttle)', async () => {
    const clock = new ChainWatchingClock();
    const timer = keepaliveTimer(clock, nextTurn(clock));
    timer.set(() => {}, 1_000);
    for (let i = 0; i < 6; i++) {
      clock.inner.advance(1_000);
      await settle();
    }
    expect(clock.armedInsideATimer).toHaveLength(7);
    expect(clock.armedInsideATimer.every((inside) => !inside)).toBe(true);
  });

  it('a clear() from inside the callback (MQTT.js on a keepalive timeout) arms nothing more', async () => {
    const clock = new ChainWatchingClock();
    const timer = keepaliveTimer(clock, nextTurn(clock));
    let ticks = 0;
    const handle: unknown = timer.set(() => {
      ticks++;
      timer.clear(handle);
    }, 1_000);
    clock.inner.advance(1_000);
    await settle();
    clock.inner.advance(3_000);
    await settle();
    expect(ticks).toBe(1);
    expect(clock.inner.pendingTimers).toBe(0);
  });

  it('a clear() between the timer and its turn cancels the turn', async () => {
    const clock = new ChainWatchingClock();
    const timer = keepaliveTimer(clock, nextTurn(clock));
    let ticks = 0;
    const handle = timer.set(() => ticks++, 1_000);
    clock.inner.advance(1_000);
    timer.clear(handle);
    await settle();
    expect(ticks).toBe(0);
  });
});
