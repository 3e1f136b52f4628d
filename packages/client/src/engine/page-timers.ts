/**
 * `worker-timers` for the lean browser build: the page's own interval timers. The real package starts a
 * `blob:` Worker, which a `Content-Security-Policy` without `blob:` in `worker-src` reports as a violation
 * on every page load. The SDK hands MQTT.js its own keepalive timer (keepalive-timer.ts), so MQTT.js
 * reaches these only if that option were dropped.
 */
export const setInterval = (fn: () => void, ms: number): unknown => globalThis.setInterval(fn, ms);
export const clearInterval = (id: unknown): void => globalThis.clearInterval(id as ReturnType<typeof globalThis.setInterval>);
export const setTimeout = (fn: () => void, ms: number): unknown => globalThis.setTimeout(fn, ms);
export const clearTimeout = (id: unknown): void => globalThis.clearTimeout(id as ReturnType<typeof globalThis.setTimeout>);
