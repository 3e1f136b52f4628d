import { schedulingClock, type Clock } from './clock';

/** Runs `fn` in a later event-loop turn; returns a function that cancels it. */
export type NextTurn = (fn: () => void) => () => void;

/** The scheduler for yielding between bursts of work: the clock's `nextTurn` (see clock.ts). */
export function nextTurn(clock: Clock): NextTurn {
  const scheduling = schedulingClock(clock);
  return (fn) => scheduling.nextTurn(fn);
}
