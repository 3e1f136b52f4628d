/** What MQTT.js accepts as `timerVariant`. */
export type TimerVariant = 'auto' | 'native';

let workersAllowed: boolean | undefined;

/**
 * MQTT.js runs keepalive pings on worker timers in browsers so a background tab keeps its
 * connection; those start a `blob:` Worker, which a strict Content-Security-Policy refuses.
 * Probe once (on first connection, never at import) and fall back to native timers.
 */
export function keepaliveTimer(): TimerVariant {
  if (workersAllowed === undefined) workersAllowed = canStartBlobWorker();
  return workersAllowed ? 'auto' : 'native';
}

function canStartBlobWorker(): boolean {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL === 'undefined' || !URL.createObjectURL) {
    return false;
  }
  let url: string | undefined;
  try {
    url = URL.createObjectURL(new Blob([''], { type: 'application/javascript' }));
    const worker = new Worker(url);
    worker.terminate();
    return true;
  } catch {
    return false;
  } finally {
    if (url) URL.revokeObjectURL(url);
  }
}
