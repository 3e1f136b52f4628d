import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OfflineQueue, type OverflowPolicy, type QueueLimits } from '../src/messaging/offline-queue';

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

  it('tracks size and bytes through push, shift and drain', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10 }));
    queue.push('a', 10);
    queue.push('b', 20);
    expect([queue.size, queue.bytes]).toEqual([2, 30]);
    queue.shift();
    expect([queue.size, queue.bytes]).toEqual([1, 20]);
    queue.push('c', 10);
    expect([queue.size, queue.bytes]).toEqual([2, 30]);
    queue.drain();
    expect([queue.size, queue.bytes]).toEqual([0, 0]);
  });

  it('drain() returns everything in order and empties the queue', () => {
    const queue = new OfflineQueue<number>(limits({ maxMessages: 10 }));
    for (let i = 0; i < 5; i++) queue.push(i, 1);
    queue.shift();
    expect(queue.drain()).toEqual([1, 2, 3, 4]);
    expect(queue.drain()).toEqual([]);
    expect(queue.shift()).toBeUndefined();
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
    expect(queue.drain()).toEqual(['b']);
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

  it('drop-newest: drops only what does not fit; a later item that fits by bytes is still queued', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10, maxBytes: 100, overflow: 'drop-newest' }));
    queue.push('a', 90);
    expect(queue.push('b', 11)).toEqual({ accepted: false, dropped: ['b'] });
    expect(queue.push('c', 10)).toEqual({ accepted: true, dropped: [] });
    expect(queue.drain()).toEqual(['a', 'c']);
  });

  it('reject: from the first refusal on, refuses even an item that would fit, so what is queued has no gap', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10, maxBytes: 100, overflow: 'reject' }));
    queue.push('a', 90);
    expect(queue.push('b', 11)).toEqual({ accepted: false, dropped: ['b'] });
    expect(queue.push('c', 10)).toEqual({ accepted: false, dropped: ['c'] });
    expect(queue.push('d', 0)).toEqual({ accepted: false, dropped: ['d'] });
    expect([queue.size, queue.bytes]).toEqual([1, 90]);
    expect(queue.drain()).toEqual(['a']);
  });

  it('reject: accepts again once the queue has been drained (the flush on reconnect)', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 1, overflow: 'reject' }));
    queue.push('a', 1);
    expect(queue.push('b', 1).accepted).toBe(false);
    queue.drain();
    expect(queue.push('c', 1)).toEqual({ accepted: true, dropped: [] });
    expect(queue.push('d', 1).accepted).toBe(false);
  });

  it.each([
    ['shift()', (queue: OfflineQueue<string>) => queue.shift()],
    ['remove()', (queue: OfflineQueue<string>) => queue.remove('a')],
  ])('reject: accepts again once the queue has emptied through %s', (_name, empty) => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10, maxBytes: 10, overflow: 'reject' }));
    queue.push('a', 8);
    expect(queue.push('b', 8).accepted).toBe(false);
    expect(queue.push('c', 1).accepted).toBe(false);
    empty(queue);
    expect(queue.size).toBe(0);
    expect(queue.push('d', 8)).toEqual({ accepted: true, dropped: [] });
    expect(queue.push('e', 1)).toEqual({ accepted: true, dropped: [] });
  });

  it('reject: keeps refusing while anything queued before the refusal is still there', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 2, overflow: 'reject' }));
    queue.push('a', 1);
    queue.push('b', 1);
    expect(queue.push('c', 1).accepted).toBe(false);
    queue.shift(); // room again, but 'b' is still ahead of where 'c' would have gone
    expect(queue.push('d', 1).accepted).toBe(false);
    expect(queue.drain()).toEqual(['b']);
  });

  it('reject: an item larger than maxBytes is refused on its own and does not start refusing', () => {
    const queue = new OfflineQueue<string>(limits({ maxMessages: 10, maxBytes: 100, overflow: 'reject' }));
    queue.push('a', 10);
    expect(queue.push('huge', 101)).toEqual({ accepted: false, dropped: ['huge'] });
    expect(queue.push('b', 10)).toEqual({ accepted: true, dropped: [] });
  });

  it('one sequence of pushes, three outcomes: drop-oldest keeps the latest, drop-newest fills the gaps, reject keeps an unbroken prefix', () => {
    // The sequence e2e/offline-queue.spec.ts publishes against real brokers: 3 messages, 800 bytes at most.
    const pushes: Array<[string, number]> = [['a', 200], ['b', 200], ['big', 500], ['c', 200], ['d', 100], ['e', 600]];
    const run = (overflow: OverflowPolicy) => {
      const queue = new OfflineQueue<string>({ maxMessages: 3, maxBytes: 800, overflow });
      const dropped = pushes.map(([item, bytes]) => queue.push(item, bytes).dropped);
      return { kept: queue.drain(), dropped };
    };
    expect(run('drop-oldest')).toEqual({ kept: ['d', 'e'], dropped: [[], [], ['a'], ['b'], [], ['big', 'c']] });
    expect(run('drop-newest')).toEqual({ kept: ['a', 'b', 'c'], dropped: [[], [], ['big'], [], ['d'], ['e']] });
    expect(run('reject')).toEqual({ kept: ['a', 'b'], dropped: [[], [], ['big'], ['c'], ['d'], ['e']] });
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

// Seeded runs: FC_SEED=<seed printed by a failure> replays it.
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;

type Op = { kind: 'push'; bytes: number } | { kind: 'shift' } | { kind: 'drain' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }).map((bytes) => ({ kind: 'push' as const, bytes })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'shift' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);
const limitsArb = fc.record({
  maxMessages: fc.integer({ min: 1, max: 6 }),
  maxBytes: fc.integer({ min: 1, max: 50 }),
  overflow: fc.constantFrom<OverflowPolicy>('drop-oldest', 'drop-newest', 'reject'),
});

describe('OfflineQueue overflow under generated push / shift / drain sequences', () => {
  // The policies written out as a reference model over plain arrays, checked push by push.
  it('each policy drops exactly what it documents, never loses or duplicates an item, and stays within its limits', () => {
    fc.assert(
      fc.property(limitsArb, fc.array(opArb, { maxLength: 60 }), (given, ops) => {
        const queue = new OfflineQueue<number>(given);
        const { maxMessages, maxBytes, overflow } = given;
        let model: Array<{ id: number; bytes: number }> = [];
        let refusedSinceEmpty = false;
        /** Ids that left the queue (shifted, drained, evicted) or never entered it (refused). */
        const out: number[] = [];
        const weight = (items: typeof model): number => items.reduce((sum, item) => sum + item.bytes, 0);
        const fits = (items: typeof model, bytes: number): boolean => items.length < maxMessages && weight(items) + bytes <= maxBytes;
        ops.forEach((op, id) => {
          if (op.kind === 'shift') {
            const item = queue.shift();
            expect(item).toBe(model[0]?.id);
            if (item !== undefined) out.push(item);
            model = model.slice(1);
          } else if (op.kind === 'drain') {
            const items = queue.drain();
            expect(items).toEqual(model.map((item) => item.id));
            out.push(...items);
            model = [];
          } else {
            const { accepted, dropped } = queue.push(id, op.bytes);
            out.push(...dropped);
            if (op.bytes > maxBytes) {
              expect({ accepted, dropped }).toEqual({ accepted: false, dropped: [id] });
            } else if (overflow === 'drop-oldest') {
              // The fewest oldest items that make room, then the new one.
              let evict = 0;
              while (!fits(model.slice(evict), op.bytes)) evict++;
              expect({ accepted, dropped }).toEqual({ accepted: true, dropped: model.slice(0, evict).map((item) => item.id) });
              model = [...model.slice(evict), { id, bytes: op.bytes }];
            } else {
              const refuse = !fits(model, op.bytes) || (overflow === 'reject' && refusedSinceEmpty);
              expect({ accepted, dropped }).toEqual(refuse ? { accepted: false, dropped: [id] } : { accepted: true, dropped: [] });
              if (!refuse) model.push({ id, bytes: op.bytes });
              else if (overflow === 'reject') refusedSinceEmpty = true;
            }
          }
          if (model.length === 0) refusedSinceEmpty = false;
          expect([queue.size, queue.bytes]).toEqual([model.length, weight(model)]);
          expect(queue.size).toBeLessThanOrEqual(maxMessages);
          expect(queue.bytes).toBeLessThanOrEqual(maxBytes);
        });
        // Every push is accounted for exactly once: out of the queue one way or another, or still in it.
        const pushes = ops.flatMap((op, id) => (op.kind === 'push' ? [id] : []));
        expect([...out, ...queue.drain()].sort((x, y) => x - y)).toEqual(pushes);
      }),
      { numRuns: 300, ...(seed === undefined ? {} : { seed }) },
    );
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
