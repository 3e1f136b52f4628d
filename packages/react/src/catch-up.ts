/**
 * How a list of the last `keep` messages catches up after a stall. A page that stalls (GC, a long task, a busy
 * machine) gets the WebSocket's backlog in one task, so the next frame can hold far more than `keep` new messages;
 * shown at once, all but the last `keep` would never be on screen. Instead each frame releases the oldest `keep`
 * of the backlog, and what no frame within {@link CATCH_UP_FRAMES} could show is dropped (the oldest), so the list
 * is never more than that many frames behind.
 *
 * `keep: 1` is a value, not a list: it shows the newest message every frame (pacing would only show stale values).
 */

/** Frames a list may take to show a backlog: up to this many times `keep` messages since the last frame are all shown. */
export const CATCH_UP_FRAMES = 8;

/** The most messages worth holding for the coming frames: what {@link CATCH_UP_FRAMES} frames show (`keep: 1`: one). */
export function backlogLimit(keep: number): number {
  return keep === 1 ? 1 : keep * CATCH_UP_FRAMES;
}

/** One frame's outcome. */
export interface CatchUpStep<T> {
  /** The list from this frame on: the last `keep` of the list before and what this frame released, oldest first. */
  shown: readonly T[];
  /** What waits for the next frame, oldest first (empty unless the backlog was more than `keep`). */
  waiting: T[];
}

/**
 * One frame: releases at most `keep` of `backlog` (oldest first, after dropping the oldest beyond
 * {@link backlogLimit}), so every released message is in `shown`. Pure: `shown` and `backlog` are not changed.
 */
export function catchUpStep<T>(shown: readonly T[], backlog: readonly T[], keep: number): CatchUpStep<T> {
  const limit = backlogLimit(keep);
  const queue = backlog.length > limit ? backlog.slice(-limit) : backlog;
  if (queue.length >= keep) return { shown: queue.slice(0, keep), waiting: queue.slice(keep) };
  return { shown: [...shown.slice(Math.max(0, shown.length + queue.length - keep)), ...queue], waiting: [] };
}
