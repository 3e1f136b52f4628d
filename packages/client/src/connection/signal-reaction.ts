import type { BrowserSignal } from '../platform/browser-signals';
import { STATE_TABLE, type ConnectionState } from '../core/state-machine';

/**
 * What the connection does about a browser signal:
 * - `drop-socket`: break the socket now; the usual reconnect (with backoff) follows;
 * - `go-offline`: abandon the attempt under way and wait for `online`;
 * - `replace-socket`: break the socket and reconnect at once, no backoff;
 * - `ping`: send a PINGREQ, so a half-open socket is found out within one keepalive;
 * - `retry-now`: make the next attempt now instead of at the end of the backoff wait;
 * - `none`.
 */
export type SignalReaction = 'none' | 'drop-socket' | 'go-offline' | 'replace-socket' | 'ping' | 'retry-now';

/** The reaction to `signal` in `state`. Pure. */
export function signalReaction(signal: BrowserSignal, state: ConnectionState): SignalReaction {
  const waiting = state === 'reconnecting' || state === 'offline';
  switch (signal) {
    case 'offline':
      // Do not wait for the keepalive to notice: the socket is dead or about to be.
      if (state === 'connected') return 'drop-socket';
      // An attempt under way or scheduled is bound to fail: abandon it (the table's `attempts`).
      return STATE_TABLE[state].attempts ? 'go-offline' : 'none';
    case 'hidden':
      return 'none';
    case 'pageshow':
      // Restored from the back-forward cache: the browser closed the socket while the page was frozen,
      // whatever MQTT.js has heard yet. Replace it now rather than wait for the close and a backoff.
      if (state === 'connected') return 'replace-socket';
      return waiting ? 'retry-now' : 'none';
    case 'visible':
      // A socket that slept with the tab may be half-open.
      if (state === 'connected') return 'ping';
      return waiting ? 'retry-now' : 'none';
    case 'online':
      return waiting ? 'retry-now' : 'none';
    default:
      return 'none';
  }
}
