import { describe, expect, it } from 'vitest';
import { backlogLimit, CATCH_UP_FRAMES, catchUpStep } from '../src/catch-up';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Runs frames until nothing waits; returns each frame's list. */
function frames(keep: number, backlog: number[], shown: number[] = []): number[][] {
  const out: number[][] = [];
  let list: readonly number[] = shown;
  let waiting = backlog;
  do {
    const step = catchUpStep(list, waiting, keep);
    list = step.shown;
    waiting = step.waiting;
    out.push([...list]);
  } while (waiting.length > 0 && out.length < 100);
  return out;
}

describe('catchUpStep: one frame of a list of the last `keep`', () => {
  it('a backlog of at most keep joins the list in one frame, the list cut to the last keep', () => {
    expect(catchUpStep([1, 2, 3], [4, 5], 4)).toEqual({ shown: [2, 3, 4, 5], waiting: [] });
    expect(catchUpStep([1, 2, 3], [4, 5, 6, 7], 4)).toEqual({ shown: [4, 5, 6, 7], waiting: [] });
  });

  it('a backlog of more than keep is released keep per frame, oldest first, so each message is in some frame', () => {
    expect(frames(3, range(0, 10), [-2, -1])).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [7, 8, 9]]);
  });

  it(`up to ${CATCH_UP_FRAMES} × keep is shown whole in ${CATCH_UP_FRAMES} frames; beyond that the oldest are dropped`, () => {
    const limit = CATCH_UP_FRAMES * 5;
    expect(backlogLimit(5)).toBe(limit);
    expect(frames(5, range(0, limit)).flat()).toEqual(range(0, limit));
    const shown = frames(5, range(0, limit + 7));
    expect(shown).toHaveLength(CATCH_UP_FRAMES);
    expect(shown.flat()).toEqual(range(7, limit + 7));
  });

  it('keep 1 takes the newest and holds nothing back', () => {
    expect(backlogLimit(1)).toBe(1);
    expect(catchUpStep(['a'], ['b', 'c', 'd'], 1)).toEqual({ shown: ['d'], waiting: [] });
  });

  it('changes neither argument', () => {
    const shown = Object.freeze([1, 2]);
    const backlog = Object.freeze(range(3, 12));
    catchUpStep(shown, backlog, 2);
    expect(shown).toEqual([1, 2]);
    expect(backlog).toEqual(range(3, 12));
  });
});
