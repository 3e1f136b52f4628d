import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors';
import { outboxName } from '../../src/outbox/outbox';
import { SETTLED_WRITE_DELAY_MS, type OutboxRecord } from '../../src/outbox/outbox-db';
import { createClient } from '../../src/client';
import { flush } from '../support/fake-mqtt';
import { harness, text, track, type Harness } from '../support/harness';
import { failPuts, storedRecords } from '../support/outbox-records';

const g = globalThis as { indexedDB?: IDBFactory };

beforeEach(() => {
  g.indexedDB = new IDBFactory();
});
afterEach(() => {
  delete g.indexedDB;
});

const persisted = (overrides: Parameters<typeof harness>[0] = {}): Harness =>
  harness({ clientId: 'outbox-test', offlineQueue: { persist: true }, ...overrides });

/** Lets IndexedDB (fake-indexeddb runs on real macrotasks) and the outbox chunk settle. */
async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await flush();
}

/** Every record in the outbox database of `clientId`, in key order. */
const stored = (clientId = 'outbox-test'): Promise<OutboxRecord[]> => storedRecords(g.indexedDB!, outboxName(clientId));

/** Deletes wait SETTLED_WRITE_DELAY_MS on the client's clock for company (nothing waits on them). */
async function deletesWritten(h: Harness): Promise<void> {
  h.clock.advance(SETTLED_WRITE_DELAY_MS);
  await settle();
}

async function connect(h: Harness, connack?: Parameters<Harness['fake']['acceptConnack']>[0]): Promise<void> {
  const done = h.client.connect();
  for (let i = 0; i < 20 && !(h.factoryCalls > 0 && h.fake.awaitingConnack); i++) await flush();
  h.fake.acceptConnack(connack);
  await done;
  await flush();
}

describe('offlineQueue.persist: options', () => {
  it('needs an explicit clientId, and says why', () => {
    expect(() => createClient({ url: 'wss://b.example/mqtt', offlineQueue: { persist: true } })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS, field: 'offlineQueue.persist', message: expect.stringContaining('clientId') }),
    );
    expect(() => createClient({ url: 'wss://b.example/mqtt', offlineQueue: { persist: 'yes' as never } })).toThrow(expect.objectContaining({ field: 'offlineQueue.persist' }));
  });
});

describe('offlineQueue.persist: the outbox', () => {
  it('keeps QoS 1/2 publishes made offline in IndexedDB in publish order, never QoS 0', async () => {
    const h = persisted();
    await settle();
    void h.client.publish('a/1', 'one', { qos: 1 });
    void h.client.publish('a/0', 'zero', { qos: 0 });
    void h.client.publish('a/2', 'two', { qos: 2, retain: true, properties: { userProperties: { k: 'v' } } });
    await settle();
    const records = await stored();
    expect(records.map((r) => [r.topic, new TextDecoder().decode(r.payload), r.qos, r.retain])).toEqual([
      ['a/1', 'one', 1, false],
      ['a/2', 'two', 2, true],
    ]);
    expect(records[1]!.properties).toEqual({ userProperties: { k: 'v' } });
    expect(h.errors).toEqual([]);
  });

  it('records publishes made before the outbox opened too, and deletes each record once acknowledged', async () => {
    const h = persisted();
    const early = track(h.client.publish('a/b', 'early', { qos: 1 }));
    await settle();
    expect((await stored()).map((r) => r.topic)).toEqual(['a/b']);
    await connect(h);
    h.fake.ack('all');
    await settle();
    expect(early.state).toBe('resolved');
    await deletesWritten(h);
    expect(await stored()).toEqual([]);
  });

  it('after a reload, restores them before anything newer, reports restored, then their fate', async () => {
    const first = persisted();
    await settle();
    for (const p of ['1', '2', '3']) void first.client.publish('t', p, { qos: 1 });
    await settle();
    // The page goes away without close(): a new client with the same clientId.
    const h = persisted();
    void h.client.publish('t', 'newer', { qos: 1 });
    await settle();
    expect(h.queueEvents.find((e) => e.restored !== undefined)).toMatchObject({ restored: 3 });
    expect(h.client.queued.size).toBe(4);
    await connect(h);
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(['1', '2', '3', 'newer']);
    h.fake.ack('all');
    await settle();
    expect(h.queueEvents.at(-1)?.restoredSettled ?? h.queueEvents.find((e) => e.restoredSettled)?.restoredSettled).toEqual({ delivered: 3, failed: 0 });
    await deletesWritten(h);
    expect(await stored()).toEqual([]);
  });

  it('does not send again a message acknowledged before the reload', async () => {
    const first = persisted();
    await settle();
    await connect(first);
    const acked = track(first.client.publish('t', 'acked', { qos: 1 }));
    await flush();
    first.fake.ack('all');
    void first.client.publish('t', 'unacked', { qos: 1 });
    await settle();
    expect(acked.state).toBe('resolved');
    const h = persisted();
    await settle();
    await connect(h);
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(['unacked']);
  });

  it('keeps two clientIds apart', async () => {
    const a = persisted({ clientId: 'client-a' });
    const b = persisted({ clientId: 'client-b' });
    await settle();
    void a.client.publish('t', 'from-a', { qos: 1 });
    void b.client.publish('t', 'from-b', { qos: 1 });
    await settle();
    expect((await stored('client-a')).map((r) => text(r.payload))).toEqual(['from-a']);
    expect((await stored('client-b')).map((r) => text(r.payload))).toEqual(['from-b']);
    const again = persisted({ clientId: 'client-b' });
    await settle();
    expect(again.queueEvents.find((e) => e.restored)).toMatchObject({ restored: 1, size: 1 });
  });

  it('keeps the record of a publish close() rejected, for the next page', async () => {
    const first = persisted();
    await settle();
    const pub = track(first.client.publish('t', 'kept', { qos: 1 }));
    await first.client.close();
    await settle();
    expect(pub.error).toMatchObject({ code: ErrorCode.CLIENT_CLOSED });
    expect((await stored()).map((r) => text(r.payload))).toEqual(['kept']);
  });

  it('closes its database once the client closed and its writes are in: another page may delete or upgrade it, no error follows', async () => {
    const h = persisted();
    await connect(h);
    const pub = track(h.client.publish('t', 'acked', { qos: 1 }));
    await settle();
    await h.client.close();
    await settle();
    expect(pub.error).toMatchObject({ code: ErrorCode.CLIENT_CLOSED });
    const blocked = await new Promise<boolean>((resolve) => {
      const del = g.indexedDB!.deleteDatabase(outboxName('outbox-test'));
      del.onblocked = () => resolve(true);
      del.onsuccess = () => resolve(false);
    });
    await settle();
    expect(blocked).toBe(false);
    expect(h.errors).toEqual([]);
  });

  it('drops the record of a publish the overflow policy gave up', async () => {
    const h = persisted({ offlineQueue: { persist: true, maxMessages: 2 } });
    await settle();
    const pubs = ['1', '2', '3'].map((p) => track(h.client.publish('t', p, { qos: 1 })));
    await settle();
    expect(pubs[0]!.error).toMatchObject({ code: ErrorCode.QUEUE_FULL });
    expect((await stored()).map((r) => text(r.payload))).toEqual(['2', '3']);
  });

  it('applies maxMessages to the restored outbox: the oldest restored go, each on `error`', async () => {
    const first = persisted({ offlineQueue: { persist: true, maxMessages: 10 } });
    await settle();
    for (const p of ['1', '2', '3', '4', '5']) void first.client.publish('t', p, { qos: 1 });
    await settle();
    const h = persisted({ offlineQueue: { persist: true, maxMessages: 3 } });
    await settle();
    expect(h.queueEvents.find((e) => e.restored)).toMatchObject({ restored: 5, dropped: 2, size: 3 });
    expect(h.errors.map((e) => [e.code, e.message.includes('restored from the outbox')])).toEqual([[ErrorCode.QUEUE_FULL, true], [ErrorCode.QUEUE_FULL, true]]);
    await deletesWritten(h);
    expect((await stored()).map((r) => text(r.payload))).toEqual(['3', '4', '5']);
  });

  it('reports a restored publish the broker refuses on `error`, and counts it as failed', async () => {
    const first = persisted();
    await settle();
    void first.client.publish('t', 'refused', { qos: 1 });
    await settle();
    const h = persisted();
    await settle();
    await connect(h);
    h.fake.ack('all', 0x87);
    await settle();
    expect(h.errors).toEqual([expect.objectContaining({ code: ErrorCode.PUBLISH_REJECTED, reasonCode: 0x87 })]);
    expect(h.queueEvents.find((e) => e.restoredSettled)?.restoredSettled).toEqual({ delivered: 0, failed: 1 });
    await deletesWritten(h);
    expect(await stored()).toEqual([]);
  });
});

describe('offlineQueue.persist without IndexedDB', () => {
  it('falls back to the memory queue with one PERSISTENCE_OFF error (Node: no indexedDB)', async () => {
    delete g.indexedDB;
    const h = persisted();
    const pub = track(h.client.publish('t', 'x', { qos: 1 }));
    await settle();
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.PERSISTENCE_OFF]);
    expect(h.errors[0]!.message).toContain('memory');
    await connect(h);
    h.fake.ack('all');
    await settle();
    expect(pub.state).toBe('resolved');
    expect(h.errors).toHaveLength(1);
  });

  it('falls back when the database has a newer version (VersionError)', async () => {
    await new Promise<void>((resolve) => {
      const open = g.indexedDB!.open(outboxName('outbox-test'), 7);
      open.onsuccess = () => {
        open.result.close();
        resolve();
      };
    });
    const h = persisted();
    void h.client.publish('t', 'x', { qos: 1 });
    await settle();
    expect(h.errors.map((e) => [e.code, (e.cause as Error).name])).toEqual([[ErrorCode.PERSISTENCE_OFF, 'VersionError']]);
    await connect(h);
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(['x']);
  });

  it('falls back when IndexedDB refuses outright (open throws, as in some private modes)', async () => {
    g.indexedDB = { open: () => { throw new DOMException('denied', 'SecurityError'); } } as unknown as IDBFactory;
    const h = persisted();
    await settle();
    expect(h.errors.map((e) => [e.code, (e.cause as Error).name])).toEqual([[ErrorCode.PERSISTENCE_OFF, 'SecurityError']]);
  });
});

describe('offlineQueue.persist: a full storage quota', () => {
  /** After `after` puts that succeed, the next `failures` puts fail as a full quota does (the transaction is not written). */
  const quotaFor = (failures: number, after = 0): void => failPuts(g.indexedDB!, failures, after);

  it("'drop-newest': the publishes that could not be stored reject with QUEUE_FULL, with a queue event saying so", async () => {
    quotaFor(1);
    const h = persisted({ offlineQueue: { persist: true, overflow: 'drop-newest' } });
    await settle();
    const pub = track(h.client.publish('t', 'big', { qos: 1 }));
    await settle();
    expect(pub.error).toMatchObject({ code: ErrorCode.QUEUE_FULL, message: expect.stringContaining('quota') });
    expect(h.queueEvents.at(-1)).toMatchObject({ quotaExceeded: true, dropped: 1, size: 0 });
    expect(h.errors).toEqual([]);
  });

  it("'drop-oldest': older queued publishes make room and the new one is stored", async () => {
    quotaFor(1, 1);
    const h = persisted();
    await settle();
    const old = track(h.client.publish('t', 'old', { qos: 1 }));
    await settle();
    const fresh = track(h.client.publish('t', 'new', { qos: 1 }));
    await settle();
    expect(old.error).toMatchObject({ code: ErrorCode.QUEUE_FULL, message: expect.stringContaining('older message was dropped') });
    expect(fresh.state).toBe('pending');
    expect(h.queueEvents.at(-1)).toMatchObject({ quotaExceeded: true, dropped: 1, size: 1 });
    expect((await stored()).map((r) => text(r.payload))).toEqual(['new']);
    await connect(h);
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(['new']);
  });
});
