import type { Clock, TimerHandle } from '../core/clock';
import type { Logger } from '../core/logger';
import type { AttemptSocket } from './attempt-socket';

/** How long the ping sent when the tab becomes visible may wait for any packet before the link counts as half-open. */
const PING_ANSWER_MS = 5_000;

/** One ping's deadline at a time. */
export interface PingProbe {
  /**
   * Pings now; `dead` runs when the socket cannot take the ping, or when no packet at all comes back in time while
   * the same socket is there and `connected()` holds.
   */
  start(connected: () => boolean, dead: () => void): void;
  cancel(): void;
}

/**
 * The tab is visible again after a while: a socket that slept with it may be half-open. After a ping, anything at
 * all that comes back within PING_ANSWER_MS (a round trip on a live link; never more than the keepalive) proves
 * the link; silence means it is dead. MQTT.js's own keepalive would notice only 1.5 keepalives after its last PINGRESP.
 */
export function pingProbe(clock: Clock, log: Logger, keepaliveSeconds: number, socket: Pick<AttemptSocket, 'ping' | 'generation' | 'packetsIn'>): PingProbe {
  const waitMs = Math.min(PING_ANSWER_MS, keepaliveSeconds > 0 ? keepaliveSeconds * 1000 : PING_ANSWER_MS);
  let timer: TimerHandle | undefined;
  const cancel = (): void => {
    clock.clearTimeout(timer);
    timer = undefined;
  };
  return {
    start(connected, dead) {
      // A socket that cannot take a ping is gone already.
      if (!socket.ping()) return dead();
      const generation = socket.generation;
      const heard = socket.packetsIn;
      cancel();
      timer = clock.setTimeout(() => {
        timer = undefined;
        if (generation !== socket.generation || !connected() || socket.packetsIn !== heard) return;
        log.info('no answer to the ping sent when the tab became visible: the link is half-open, reconnecting');
        dead();
      }, waitMs);
    },
    cancel,
  };
}
