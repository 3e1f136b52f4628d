import { systemNextTurn } from '../platform/system-next-turn';

/**
 * Longest delay a timer honours: `setTimeout` treats anything above 2^31 - 1 ms as 0 and fires at once. The upper
 * bound of every `…Ms` option and of every backoff delay.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * Time as the client sees it. Injected so tests run on a manual clock with no sleeps. Every timer and
 * every deferred call of the SDK goes through it (the two optional methods fall back to its `setTimeout`
 * and to microtasks).
 */
export interface Clock {
  /** The current time, in ms since the epoch (as `Date.now()`). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer started by this clock's `setTimeout`. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Runs `fn` in a later task that is not a timer: browsers neither clamp it (nested `setTimeout(0)`
   * waits 4 ms from the fifth level on) nor count it in a timer chain. Returns a function that cancels it.
   * Optional: without it, `setTimeout(fn, 0)` of this clock.
   */
  nextTurn?(fn: () => void): () => void;
  /** Runs `fn` once the current task's synchronous work is done. Optional: without it, a microtask. */
  queueMicrotask?(fn: () => void): void;
}

/** A clock with every method, as the SDK's modules use it. */
export type SchedulingClock = Required<Clock>;

/**
 * The real clock: `Date.now`, the global timers (looked up at call time: nothing at import), message-channel
 * turns and microtasks.
 */
export const systemClock: SchedulingClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  nextTurn: systemNextTurn,
  queueMicrotask: (fn) => globalThis.queueMicrotask(fn),
};

/** `clock` with the optional methods filled in from its own `setTimeout` and from microtasks. */
export function schedulingClock(clock: Clock): SchedulingClock {
  if (clock.nextTurn && clock.queueMicrotask) return clock as SchedulingClock;
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
    nextTurn:
      clock.nextTurn?.bind(clock) ??
      ((fn) => {
        const handle = clock.setTimeout(fn, 0);
        return () => clock.clearTimeout(handle);
      }),
    queueMicrotask: clock.queueMicrotask?.bind(clock) ?? ((fn) => void Promise.resolve().then(fn)),
  };
}
