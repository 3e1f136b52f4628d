import { describe, expect, it } from 'vitest';
import { createFrameBatcher, type Flushable } from '../src/frame-batcher';

function manualScheduler() {
  const queue: Array<() => void> = [];
  return {
    schedule: (flush: () => void) => void queue.push(flush),
    pending: () => queue.length,
    frame: () => {
      for (const flush of queue.splice(0)) flush();
    },
  };
}

describe('createFrameBatcher', () => {
  it('many schedules before a frame: one frame requested, each target flushed once', () => {
    const frames = manualScheduler();
    const batcher = createFrameBatcher(frames.schedule);
    const flushed: string[] = [];
    const a: Flushable = { flush: () => void flushed.push('a') };
    const b: Flushable = { flush: () => void flushed.push('b') };
    batcher.schedule(a);
    batcher.schedule(b);
    batcher.schedule(a);
    expect(frames.pending()).toBe(1);
    frames.frame();
    expect(flushed).toEqual(['a', 'b']);
  });

  it('a target scheduling itself from its flush (a backlog left) is flushed in the next frame, not this one', () => {
    const frames = manualScheduler();
    const batcher = createFrameBatcher(frames.schedule);
    let left = 2;
    let flushes = 0;
    const target: Flushable = {
      flush() {
        flushes++;
        if (left-- > 0) batcher.schedule(target);
      },
    };
    batcher.schedule(target);
    frames.frame();
    expect(flushes).toBe(1);
    expect(frames.pending()).toBe(1);
    frames.frame();
    frames.frame();
    expect(flushes).toBe(3);
    expect(frames.pending()).toBe(0);
  });

  it('a cancelled target is not flushed', () => {
    const frames = manualScheduler();
    const batcher = createFrameBatcher(frames.schedule);
    let flushed = false;
    const target: Flushable = { flush: () => void (flushed = true) };
    batcher.schedule(target);
    batcher.cancel(target);
    frames.frame();
    expect(flushed).toBe(false);
  });
});
