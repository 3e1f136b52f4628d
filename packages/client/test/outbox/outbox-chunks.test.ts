import { describe, expect, it } from 'vitest';
import { CHUNK, ChunkLayout, type OutboxRecord } from '../../src/outbox/outbox-chunks';

const record = (n: number): OutboxRecord => ({ topic: `t/${n}`, payload: new Uint8Array([n & 255]), qos: 1, retain: false });
const keysOf = (writes: ReadonlyArray<[number, Map<number, OutboxRecord>]>): number[][] => writes.map(([, live]) => [...live.keys()]);

describe('ChunkLayout', () => {
  it('packs new records into chunks of at most CHUNK, each under its first key, in key order', () => {
    const layout = new ChunkLayout();
    for (let key = 1; key <= 2 * CHUNK + 2; key++) expect(layout.write(key, record(key))).toBe(true);
    const plan = layout.take()!;
    expect(plan.made).toEqual([1, CHUNK + 1, 2 * CHUNK + 1]);
    expect(keysOf(plan.writes).map((keys) => keys.length)).toEqual([CHUNK, CHUNK, 2]);
    expect(plan.deletes).toEqual([]);
    expect(layout.take()).toBeUndefined();
  });

  it('writes a chunk again without what settled, and deletes it once empty', () => {
    const layout = new ChunkLayout();
    layout.stored(10, [[10, record(10)], [11, record(11)]]);
    layout.write(10, null);
    let plan = layout.take()!;
    expect(plan.writes.map(([chunk]) => chunk)).toEqual([10]);
    expect(keysOf(plan.writes)).toEqual([[11]]);
    layout.write(11, null);
    plan = layout.take()!;
    expect(plan).toEqual({ writes: [], deletes: [10], made: [] });
  });

  it('writes nothing for a record that settles before its turn, and says there is nothing to delete', () => {
    const layout = new ChunkLayout();
    layout.write(1, record(1));
    expect(layout.write(1, null)).toBe(true);
    expect(layout.take()).toBeUndefined();
    expect(layout.write(2, null)).toBe(false);
  });

  it('hands back the keys of new chunks a failed transaction lost, and writes the others again next time', () => {
    const layout = new ChunkLayout();
    layout.stored(1, [[1, record(1)], [2, record(2)]]);
    layout.write(2, null);
    layout.write(5, record(5));
    const plan = layout.take()!;
    expect(plan.made).toEqual([5]);
    expect(layout.lost(plan.writes, plan.deletes, plan.made)).toEqual([5]);
    const again = layout.take()!;
    expect(again.writes.map(([chunk]) => chunk)).toEqual([1]);
    expect(again.made).toEqual([]);
    // The lost record is in no chunk: writing it again makes a new one.
    layout.write(5, record(5));
    expect(layout.take()!.made).toEqual([5]);
  });
});
