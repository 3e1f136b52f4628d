/**
 * How message updates reach React: `schedule(flush)` must call `flush` once, later. The default is the next
 * animation frame, so a burst of messages re-renders a component at most once per frame.
 * @example
 * ```tsx
 * // Every message rendered on its own microtask (tests, or a page that never paints):
 * <MqttProvider client={client} frameScheduler={(flush) => queueMicrotask(flush)}>…</MqttProvider>
 * ```
 */
export type FrameScheduler = (flush: () => void) => void;

/** Something with buffered updates to hand to React when the frame comes. */
export interface Flushable {
  flush(): void;
}

/**
 * One pending frame for every subscription under a provider: all buffers are flushed in the same callback, so
 * React renders them together (its updates from one task are batched) instead of once per subscription.
 */
export interface FrameBatcher {
  /**
   * Flushes `target` in the next frame (once, however often it is scheduled before then). A target that schedules
   * itself from its own `flush` (a backlog still to show) is flushed in the frame after.
   */
  schedule(target: Flushable): void;
  /** Forgets `target` if it is waiting (it went away). */
  cancel(target: Flushable): void;
}

/**
 * The default scheduler: requestAnimationFrame where there is one (it does not fire in a hidden tab, so a
 * background tab buffers instead of rendering), a 16 ms timer elsewhere.
 */
export function animationFrameScheduler(): FrameScheduler {
  if (typeof requestAnimationFrame === 'function') return (flush) => void requestAnimationFrame(() => flush());
  return (flush) => void setTimeout(flush, 16);
}

/** A batcher over `schedule` (read once). */
export function createFrameBatcher(schedule: FrameScheduler = animationFrameScheduler()): FrameBatcher {
  const dirty = new Set<Flushable>();
  let pending = false;
  const run = (): void => {
    pending = false;
    const targets = [...dirty];
    dirty.clear();
    for (const target of targets) target.flush();
  };
  return {
    schedule(target) {
      dirty.add(target);
      if (pending) return;
      pending = true;
      schedule(run);
    },
    cancel(target) {
      dirty.delete(target);
    },
  };
}
