import { describe, expect, it, vi } from 'vitest';
import { schedulingClock, systemClock } from '../src/core/clock';
import { systemNextTurn } from '../src/platform/system-next-turn';
import { ManualClock } from './support/fake-mqtt';

describe('schedulingClock', () => {
  it('gives a clock without nextTurn a cancellable setTimeout(0) of its own', () => {
    const clock = new ManualClock();
    const scheduling = schedulingClock(clock);
    const ran: string[] = [];
    scheduling.nextTurn(() => ran.push('a'));
    const cancel = scheduling.nextTurn(() => ran.push('b'));
    expect(clock.pendingDelays).toEqual([0, 0]);
    cancel();
    clock.advance(0);
    expect(ran).toEqual(['a']);
  });

  it('gives a clock without queueMicrotask a microtask', async () => {
    const scheduling = schedulingClock(new ManualClock());
    const ran: string[] = [];
    scheduling.queueMicrotask(() => ran.push('micro'));
    ran.push('sync');
    await Promise.resolve();
    expect(ran).toEqual(['sync', 'micro']);
  });

  it('uses the methods a clock has, and returns a complete clock as it is', () => {
    const nextTurn = vi.fn(() => () => {});
    const queueMicrotask = vi.fn();
    const clock = { now: () => 1, setTimeout: () => 0, clearTimeout: () => {}, nextTurn, queueMicrotask };
    expect(schedulingClock(clock)).toBe(clock);
    expect(schedulingClock(systemClock)).toBe(systemClock);
  });
});

describe('systemNextTurn (the system clock\'s nextTurn, the real path)', () => {
  it('runs after the current task and its microtasks, and can be cancelled', async () => {
    const ran: string[] = [];
    const done = new Promise<void>((resolve) => systemNextTurn(() => (ran.push('turn'), resolve())));
    const cancel = systemNextTurn(() => ran.push('cancelled'));
    cancel();
    void Promise.resolve().then(() => ran.push('micro'));
    ran.push('sync');
    await done;
    expect(ran).toEqual(['sync', 'micro', 'turn']);
  });

  it('uses a MessageChannel where there is no setImmediate (browsers), in order', async () => {
    const saved = globalThis.setImmediate;
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    (globalThis as { setImmediate?: unknown }).setImmediate = undefined;
    try {
      const ran: number[] = [];
      const done = new Promise<void>((resolve) => {
        for (let i = 0; i < 3; i++) systemNextTurn(() => ran.push(i));
        systemNextTurn(resolve);
      });
      await done;
      expect(ran).toEqual([0, 1, 2]);
      // Not a timer: nothing here may be clamped or counted in a timer chain.
      expect(timeout).not.toHaveBeenCalled();
    } finally {
      globalThis.setImmediate = saved;
      timeout.mockRestore();
    }
  });
});
