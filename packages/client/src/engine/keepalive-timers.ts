/**
 * MQTT.js's `get-timer` module for the lean browser build: the page's own interval timers. The real module
 * picks `worker-timers` in browsers, which starts a `blob:` Worker — a violation under a
 * Content-Security-Policy without `blob:` in `worker-src`. MQTT.js calls it only when its `timerVariant`
 * option is a name; the SDK passes its own timer object (src/connection/keepalive-timer.ts), so this is a fallback.
 */
export const __esModule = true;
export default function getTimer(): { set(fn: () => void, ms: number): unknown; clear(id: unknown): void } {
  return {
    set: (fn, ms) => globalThis.setInterval(fn, ms),
    clear: (id) => globalThis.clearInterval(id as ReturnType<typeof globalThis.setInterval>),
  };
}
