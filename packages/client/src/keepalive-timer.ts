/** What MQTT.js accepts as `timerVariant`. */
export type TimerVariant = 'auto' | 'native';

let probe: Promise<TimerVariant> | undefined;

/** How long a probe worker may take to answer before we assume workers are blocked. */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * MQTT.js runs keepalive pings on worker timers in browsers so a background tab keeps its
 * connection; those start a `blob:` Worker, which a strict Content-Security-Policy refuses.
 * Chromium does not throw when it refuses one: the worker just never runs, and no ping would
 * ever be sent. So a probe worker must answer; if it does not, native timers are used.
 * Probed once, on the first connection (never at import).
 */
export function keepaliveTimer(): Promise<TimerVariant> {
  probe ??= probeBlobWorker();
  return probe;
}

function probeBlobWorker(): Promise<TimerVariant> {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL === 'undefined' || !URL.createObjectURL) {
    return Promise.resolve('native');
  }
  return new Promise<TimerVariant>((resolve) => {
    let url: string | undefined;
    let worker: Worker | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (variant: TimerVariant): void => {
      if (timer !== undefined) clearTimeout(timer);
      worker?.terminate();
      if (url) URL.revokeObjectURL(url);
      resolve(variant);
    };
    try {
      url = URL.createObjectURL(new Blob(['postMessage(1)'], { type: 'application/javascript' }));
      worker = new Worker(url);
      worker.onmessage = () => finish('auto');
      worker.onerror = () => finish('native');
      timer = setTimeout(() => finish('native'), PROBE_TIMEOUT_MS);
    } catch {
      finish('native');
    }
  });
}
