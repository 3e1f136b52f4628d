/**
 * `debug` for the lean browser build: every logger is a no-op that is never enabled. MQTT.js's prebuilt
 * browser build carries the real one, which a page turns on with `localStorage.debug = 'mqttjs*'`, and
 * which then prints CONNECT packets with their password and URLs with their tokens to the console.
 */
type Logger = ((...args: unknown[]) => void) & { enabled: false; namespace: string };

export default function debug(namespace: string): Logger {
  return Object.assign(() => {}, { enabled: false as const, namespace });
}
