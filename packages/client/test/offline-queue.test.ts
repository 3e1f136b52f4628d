import { afterEach, describe, expect, it, vi } from 'vitest';
import { OfflineQueue, type OverflowPolicy, type QueueLimits } from '../src/offline-queue';

const limits = (overrides: Partial<QueueLimits> = {}): QueueLimits => ({
  maxMessages: 3,
  maxBytes: 100,
  overflow: 'drop-oldest',
  ...overrides,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('OfflineQueue order and accounting', () => {
  it('is first in, first out', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10 }));
    for (const item of ['a', 'b', 'c', 'd']) queue.push(item, 1);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([
      'a', 'b', 'c', 'd', undefined,
    ]);
  });

  it('tracks size and bytes through push, shift, unshift and drain', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10 }));
    queue.push('a', 10);
    queue.push('b', 20);
    expect([queue.size, queue.bytes]).toEqual([2, 30]);
    queue.shift();
    expect([queue.size, queue.bytes]).toEqual([1, 20]);
    queue.unshift('a', 10);
    expect([queue.size, queue.bytes]).toEqual([2, 30]);
    queue.drain();
    expect([queue.size, queue.bytes]).toEqual([0, 0]);
  });

  it('peek() shows the oldest item without removing it', () => {
    const queue = new OfflineQueue<string>(limits());
    expect(queue.peek()).toBeUndefined();
    queue.push('a', 1);
    queue.push('b', 1);
    expect(queue.peek()).toBe('a');
    expect(queue.size).toBe(2);
    queue.shift();
    expect(queue.peek()).toBe('b');
  });

  it('drain() returns everything in order and empties the queue', () => {
    const queue = new OfflineQueue<number>(limits({ maxMessages: 10 }));
    for (let i = 0; i < 5; i++) queue.push(i, 1);
    queue.shift();
    expect(queue.drain()).toEqual([1, 2, 3, 4]);
    expect(queue.drain()).toEqual([]);
    expect(queue.shift()).toBeUndefined();
  });

  it('unshift() puts an item back at the head, before everything else', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10 }));
    queue.push('a', 1);
    queue.push('b', 1);
    const first = queue.shift()!;
    queue.unshift(first, 1);
    queue.unshift('z', 1); // head index is 0 here: takes the slow path
    expect(queue.drain()).toEqual(['z', 'a', 'b']);
  });

  it('unshift() ignores the limits, so an interrupted flush never loses data', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 1, maxBytes: 10 }));
    queue.push('a', 10);
    queue.unshift('in-flight', 50);
    expect(queue.size).toBe(2);
    expect(queue.bytes).toBe(60);
    expect(queue.drain()).toEqual(['in-flight', 'a']);
  });

  it('remove() takes out one queued item and its bytes', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10 }));
    queue.push('a', 1);
    queue.push('b', 2);
    queue.push('c', 4);
    queue.shift();
    expect(queue.remove('a')).toBe(false); // already shifted
    expect(queue.remove('c')).toBe(true);
    expect(queue.remove('c')).toBe(false);
    expect([queue.size, queue.bytes]).toEqual([1, 2]);
    expect(queue.drain()).toEqual(['b']);
  });

  it('counts zero-byte items against maxMessages only', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 2, maxBytes: 0, overflow: 'reject' }));
    expect(queue.push('a', 0).accepted).toBe(true);
    expect(queue.push('b', 0).accepted).toBe(true);
    expect(queue.push('c', 0).accepted).toBe(false);
  });

  it('throws a RangeError for negative, NaN or infinite byte sizes (a caller bug)', () => {
    const queue = new OfflineQueue<string>(limits());
    for (const bytes of [-1, Number.NaN, Infinity]) {
      expect(() => queue.push('a', bytes)).toThrow(RangeError);
      expect(() => queue.unshift('a', bytes)).toThrow(RangeError);
    }
    expect(queue.size).toBe(0);
  });

  it('keeps its own copy of the limits', () => {
    const given = limits({ maxMessages: 1 });
    const queue = new OfflineQueue<string>(given);
    given.maxMessages = 100;
    queue.push('a', 1);
    expect(queue.push('b', 1).accepted).toBe(true); // drop-oldest with maxMessages 1
    expect(queue.size).toBe(1);
    expect(queue.limits.maxMessages).toBe(1);
  });
});

describe('OfflineQueue overflow', () => {
  it('drop-oldest: evicts the oldest items to make room for the new one', () => {
    const queue = new OfflineQueue<string>(limits({ overflow: 'drop-oldest' }));
    queue.push('a', 1);
    queue.push('b', 1);
    queue.push('c', 1);
    expect(queue.push('d', 1)).toEqual({ accepted: true, dropped: ['a'] });
    expect(queue.drain()).toEqual(['b', 'c', 'd']);
  });

  it('drop-oldest: evicts as many as needed by bytes, oldest first', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10, maxBytes: 100, overflow: 'drop-oldest' }));
    queue.push('a', 30);
    queue.push('b', 30);
    queue.push('c', 30);
    expect(queue.push('d', 60)).toEqual({ accepted: true, dropped: ['a', 'b'] });
    expect(queue.bytes).toBe(90);
    expect(queue.drain()).toEqual(['c', 'd']);
  });

  it.each<OverflowPolicy>(['drop-newest', 'reject'])('%s: refuses the new item and keeps the queue', (overflow) => {
    const queue = new OfflineQueue<string>(limits({ overflow }));
    queue.push('a', 1);
    queue.push('b', 1);
    queue.push('c', 1);
    expect(queue.push('d', 1)).toEqual({ accepted: false, dropped: ['d'] });
    expect([queue.size, queue.bytes]).toEqual([3, 3]);
    expect(queue.drain()).toEqual(['a', 'b', 'c']);
  });

  it.each<OverflowPolicy>(['drop-newest', 'reject'])('%s: refuses an item that would exceed maxBytes', (overflow) => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10, maxBytes: 100, overflow }));
    queue.push('a', 90);
    expect(queue.push('b', 11)).toEqual({ accepted: false, dropped: ['b'] });
    expect(queue.push('c', 10)).toEqual({ accepted: true, dropped: [] });
  });

  it.each<OverflowPolicy>(['drop-oldest', 'drop-newest', 'reject'])(
    '%s: never accepts an item larger than maxBytes on its own, and keeps the queue',
    (overflow) => {
      const queue = new OfflineQueue<string>(limits({ maxBytes: 100, overflow }));
      queue.push('a', 10);
      expect(queue.push('huge', 101)).toEqual({ accepted: false, dropped: ['huge'] });
      expect(queue.drain()).toEqual(['a']);
    },
  );

  it('accepts an item exactly maxBytes big', () => {
    const queue = new OfflineQueue<string>(limits({ maxBytes: 100, overflow: 'drop-oldest' }));
    queue.push('a', 1);
    expect(queue.push('full', 100)).toEqual({ accepted: true, dropped: ['a'] });
  });

  it('accepts nothing when maxMessages is 0', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 0, overflow: 'drop-oldest' }));
    expect(queue.push('a', 1)).toEqual({ accepted: false, dropped: ['a'] });
    expect(queue.size).toBe(0);
  });

  it('reports an empty dropped list when the item simply fits', () => {
    const queue = new OfflineQueue<string>(limits());
    expect(queue.push('a', 1)).toEqual({ accepted: true, dropped: [] });
  });
});

describe('OfflineQueue performance', () => {
  it('never uses Array.prototype.shift while consuming the queue', () => {
    const queue = new OfflineQueue<number>({ maxMessages: Infinity, maxBytes: Infinity, overflow: 'reject' });
    for (let i = 0; i < 10_000; i++) queue.push(i, 1);
    const spy = vi.spyOn(Array.prototype, 'shift');
    for (let i = 0; i < 10_000; i++) queue.shift();
    expect(spy).not.toHaveBeenCalled();
  });

  it('moves 100k items through push/shift in order with exact accounting', () => {
    const queue = new OfflineQueue<number>({ maxMessages: 200_000, maxBytes: Infinity, overflow: 'reject' });
    for (let i = 0; i < 100_000; i++) queue.push(i, 10);
    let expected = 0;
    let ordered = true;
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      if (item !== expected++) ordered = false;
    }
    expect(ordered).toBe(true);
    expect(expected).toBe(100_000);
    expect([queue.size, queue.bytes]).toEqual([0, 0]);
  });

  it('keeps order and accounting across interleaved push/shift with compaction', () => {
    const queue = new OfflineQueue<number>({ maxMessages: 5_000, maxBytes: Infinity, overflow: 'drop-oldest' });
    let next = 0;
    let expected = 0;
    let backwards = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3_000; i++) queue.push(next++, 2);
      for (let i = 0; i < 2_000; i++) {
        const item = queue.shift()!;
        // drop-oldest may have skipped items; order must still only move forward.
        if (item < expected) backwards++;
        expected = item + 1;
      }
      expect(queue.bytes).toBe(queue.size * 2);
    }
    expect(backwards).toBe(0);
    const rest = queue.drain();
    expect(rest).toEqual(Array.from({ length: rest.length }, (_, i) => rest[0]! + i));
    expect(rest.at(-1)).toBe(next - 1);
  });
});
