/**
 * MQTT.js's `is-browser` module for the lean browser build, which runs only in browsers: MQTT.js reads it
 * for a log line (which the build strips) and for its timer choice (replaced too, see keepalive-timers.ts).
 * The real module inspects `window`, `navigator` and `process` when it is evaluated.
 */
export const __esModule = true;
export const isWebWorker = false;
export const isReactNativeBrowser = false;
export default true;
