import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../src/outbox/outbox-db';
import { OutboxStore, type PacketStream } from '../../src/outbox/outbox-store';

function setup(sessionResumed = false) {
  const records = new Map<number, OutboxRecord>();
  const saves: Array<[number, OutboxRecord]> = [];
  const done: number[] = [];
  let commit!: () => void;
  let committed = new Promise<void>((resolve) => (commit = resolve));
  const store = new OutboxStore(
    {
      record: (key) => records.get(key),
      save: (key, record) => {
        saves.push([key, { ...record }]);
        return committed;
      },
      done: (key) => {
        records.delete(key);
        done.push(key);
      },
      closing: () => committed,
    },
    () => sessionResumed,
  );
  const add = (key: number, topic: string, qos: 1 | 2 = 1): OutboxRecord => {
    const record: OutboxRecord = { topic, payload: new TextEncoder().encode(topic), qos, retain: false };
    records.set(key, record);
    return record;
  };
  return {
    store, records, saves, done, add,
    commit: () => {
      commit();
      committed = new Promise<void>((resolve) => (commit = resolve));
    },
  };
}

const drain = (stream: PacketStream): Array<Record<string, unknown>> => {
  const out: Array<Record<string, unknown>> = [];
  for (let p = stream.read(); p; p = stream.read()) out.push(p);
  return out;
};

describe('OutboxStore (MQTT.js outgoing store over the outbox records)', () => {
  it('links each stored QoS 2 PUBLISH to the record handed over, and calls back only after the commit', async () => {
    const s = setup();
    s.add(1, 'a', 2);
    s.add(2, 'b', 2);
    s.store.handing(1, 'a');
    s.store.handing(2, 'b');
    const called: number[] = [];
    s.store.put({ cmd: 'publish', topic: 'a', messageId: 41, qos: 1 }, () => called.push(41));
    s.store.put({ cmd: 'publish', topic: 'b', messageId: 42, qos: 1 }, () => called.push(42));
    expect(s.saves.map(([key, r]) => [key, r.mid])).toEqual([[1, 41], [2, 42]]);
    await Promise.resolve();
    expect(called).toEqual([]);
    s.commit();
    await Promise.resolve();
    await Promise.resolve();
    expect(called).toEqual([41, 42]);
  });

  it('calls back at once for QoS 1 and writes nothing (at least once needs no durable identifier), the identifier kept in memory', () => {
    const s = setup();
    s.add(1, 'a', 1);
    s.store.handing(1, 'a');
    let called = false;
    s.store.put({ cmd: 'publish', topic: 'a', messageId: 3, qos: 1 }, () => (called = true));
    expect(called).toBe(true);
    expect(s.saves).toEqual([]);
    expect(s.records.get(1)!.mid).toBe(3);
  });

  it('skips a hand-over MQTT.js never stored (the topic tells), and keeps an unknown packet in memory', () => {
    const s = setup();
    s.add(1, 'refused');
    s.add(2, 'b');
    s.store.handing(1, 'refused');
    s.store.handing(2, 'b');
    s.store.put({ cmd: 'publish', topic: 'b', messageId: 7, qos: 1 });
    expect(s.records.get(2)!.mid).toBe(7);
    expect(s.records.get(1)!.mid).toBeUndefined();
    let called = false;
    s.store.put({ cmd: 'publish', topic: 'loose', messageId: 9, qos: 1 }, () => (called = true));
    expect(called).toBe(true);
    expect(s.store.size).toBe(2);
  });

  it('records PUBREC (the PUBREL to come) and finishes the record on del()', () => {
    const s = setup();
    s.add(1, 'q2', 2);
    s.store.handing(1, 'q2');
    s.store.put({ cmd: 'publish', topic: 'q2', messageId: 5, qos: 2 });
    s.store.put({ cmd: 'pubrel', messageId: 5 });
    expect(s.records.get(1)).toMatchObject({ mid: 5, rel: true });
    let got: unknown;
    s.store.del({ messageId: 5 }, (_e, packet) => (got = packet));
    expect(got).toMatchObject({ messageId: 5 });
    expect(s.done).toEqual([1]);
    let missing: Error | undefined;
    s.store.get({ messageId: 5 }, (e) => (missing = e));
    expect(missing?.message).toBe('missing packet');
  });

  it('re-sends in key order: PUBLISH with dup, PUBREL when the session was resumed', () => {
    const s = setup(true);
    const late = s.add(9, 'late', 2);
    late.mid = 90;
    late.rel = true;
    const early = s.add(3, 'early', 1);
    early.mid = 30;
    s.store.adopt(9, 90);
    s.store.adopt(3, 30);
    expect(drain(s.store.createStream())).toEqual([
      { cmd: 'publish', topic: 'early', payload: early.payload, qos: 1, retain: false, messageId: 30, dup: true },
      { cmd: 'pubrel', qos: 2, messageId: 90 },
    ]);
  });

  it('without a resumed session, publishes a QoS 2 message past PUBREC again instead of releasing it into nothing', () => {
    const s = setup(false);
    const r = s.add(1, 'x', 2);
    r.mid = 11;
    r.rel = true;
    s.store.adopt(1, 11);
    expect(drain(s.store.createStream())).toEqual([{ cmd: 'publish', topic: 'x', payload: r.payload, qos: 2, retain: false, messageId: 11, dup: false }]);
  });

  it("ends its stream after the first empty read, as MQTT.js's _onConnect expects, and not once destroyed", async () => {
    const s = setup();
    const stream = s.store.createStream();
    const ended: string[] = [];
    stream.on('end', () => ended.push('end'));
    expect(stream.read()).toBeNull();
    await Promise.resolve();
    expect(ended).toEqual(['end']);
    const other = s.store.createStream();
    other.once('end', () => ended.push('other'));
    other.read();
    other.destroy();
    await Promise.resolve();
    expect(ended).toEqual(['end']);
  });
});
