import { systemClock, type Clock } from './clock';

/** Runs `fn` in a later event-loop turn; returns a function that cancels it. */
export type NextTurn = (fn: () => void) => () => void;

let channel: MessageChannel | undefined;
const queued: Array<() => void> = [];

function runQueued(): void {
  // Only what was queued before this turn: work queued while running waits for the next message.
  const batch = queued.splice(0);
  for (const fn of batch) fn();
}

function viaMessageChannel(fn: () => void): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = runQueued;
    // Node: a port with a listener keeps the process alive; a pending turn must not.
    (channel.port1 as { unref?: () => void }).unref?.();
  }
  queued.push(fn);
  if (queued.length === 1) channel.port2.postMessage(undefined);
}

/**
 * The scheduler for yielding between bursts of work. On the real clock a macrotask that browsers do
 * not clamp: nested `setTimeout(0)` waits at least 4 ms from the fifth level on, which turned a
 * 20,000-message burst into 78 × 4 ms of idle time. An injected clock keeps `clock.setTimeout(0)`,
 * so tests stay deterministic.
 */
export function nextTurn(clock: Clock): NextTurn {
  if (clock !== systemClock) {
    return (fn) => {
      const handle = clock.setTimeout(fn, 0);
      return () => clock.clearTimeout(handle);
    };
  }
  return (fn) => {
    let live = true;
    const run = (): void => {
      if (live) fn();
    };
    if (typeof setImmediate === 'function') setImmediate(run);
    else if (typeof MessageChannel === 'function') viaMessageChannel(run);
    else globalThis.setTimeout(run, 0);
    return () => {
      live = false;
    };
  };
}
