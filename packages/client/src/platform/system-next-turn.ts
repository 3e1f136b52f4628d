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
 * The system clock's `nextTurn` (the one scheduler that is not a timer, named for it so every bypass of
 * timers can be found): `setImmediate` in Node, a MessageChannel message in browsers, `setTimeout(0)` where
 * neither exists. A message task is neither clamped (nested `setTimeout(0)` waits 4 ms from the fifth level
 * on, which turned a 20,000-message burst into 78 × 4 ms of idle time) nor part of a timer chain (Chromium
 * throttles chains of five or more in hidden tabs). Returns a function that cancels it.
 */
export function systemNextTurn(fn: () => void): () => void {
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
}
