/**
 * `process.nextTick` for the lean browser build (MQTT.js's `shared.nextTick`, mqtt-packet's
 * `process-nextick-args`): a microtask, so a received packet is handled in the task that received it.
 * MQTT.js's prebuilt browser build uses `setTimeout(0)` here, which waits for a timer wake-up: 4 ms when
 * timers nest, a second or a minute in a background tab.
 */
export function nextTick(fn: (...args: any[]) => void, ...args: unknown[]): void {
  queueMicrotask(args.length === 0 ? fn : () => fn(...args));
}

/** The `process` object MQTT.js's modules read (`process.nextTick` only). */
export const process = { nextTick, env: {} as Record<string, string | undefined> };
