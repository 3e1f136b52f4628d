import type { Clock, TimerHandle } from '../core/clock';
import type { NextTurn } from '../core/next-turn';

/** What MQTT.js accepts as `timerVariant` besides a name: `set(fn, ms)` repeats `fn` every `ms`, `clear` stops it. */
export interface IntervalTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

interface Interval {
  live: boolean;
  timer: TimerHandle | undefined;
  cancelTurn: (() => void) | undefined;
}

/**
 * The timer MQTT.js's keepalive runs on: the page's own timers (no `blob:` Worker, so no
 * Content-Security-Policy violation), each period armed from a fresh task rather than from inside the
 * previous timer's callback. A timer set inside a timer callback is "chained"; Chromium throttles a chain
 * of five or more to one wake-up a minute once a tab has been hidden for five minutes, which no keepalive
 * under a minute survives. Unchained timers in a hidden tab wake on 1 s boundaries, a small fraction of a
 * keepalive (MQTT.js pings after two half-periods and gives up after three).
 */
export function keepaliveTimer(clock: Clock, nextTurn: NextTurn): IntervalTimer {
  return {
    set(fn, ms) {
      const interval: Interval = { live: true, timer: undefined, cancelTurn: undefined };
      const arm = (): void => {
        interval.timer = clock.setTimeout(() => {
          interval.timer = undefined;
          interval.cancelTurn = nextTurn(() => {
            interval.cancelTurn = undefined;
            if (!interval.live) return;
            fn();
            if (interval.live) arm();
          });
        }, ms);
      };
      arm();
      return interval;
    },
    clear(handle) {
      const interval = handle as Interval;
      interval.live = false;
      if (interval.timer !== undefined) clock.clearTimeout(interval.timer);
      interval.cancelTurn?.();
    },
  };
}
