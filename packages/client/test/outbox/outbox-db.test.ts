import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { OutboxDb, SETTLED_WRITE_DELAY_MS, type OutboxRecord } from '../../src/outbox/outbox-db';
import { failPuts, watchTransactions } from '../support/outbox-records';

const record = (n: number): OutboxRecord => ({ topic: `t/${n}`, payload: new TextEncoder().encode(String(n)), qos: 1, retain: false });

/** A fake IndexedDB whose read-write transactions are counted. */
function counted(): { factory: IDBFactory; transactions: () => number } {
  const factory = new IDBFactory();
  let transactions = 0;
  watchTransactions(factory, (_tx, mode) => {
    if (mode === 'readwrite') transactions++;
  });
  return { factory, transactions: () => transactions };
}

/** The raw values under each key. */
async function values(factory: IDBFactory): Promise<Array<[IDBValidKey, unknown]>> {
  const db = await new Promise<IDBDatabase>((resolve) => {
    const open = factory.open('outbox', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('records');
    open.onsuccess = () => resolve(open.result);
  });
  const store = db.transaction('records', 'readonly').objectStore('records');
  const [keys, all] = await Promise.all([
    new Promise<IDBValidKey[]>((resolve) => (store.getAllKeys().onsuccess = (e) => resolve((e.target as IDBRequest<IDBValidKey[]>).result))),
    new Promise<unknown[]>((resolve) => (store.getAll().onsuccess = (e) => resolve((e.target as IDBRequest<unknown[]>).result))),
  ]);
  db.close();
  return keys.map((k, i) => [k, all[i]]);
}

const noFailure = (error: unknown): void => {
  throw error;
};

describe('OutboxDb (the outbox records in IndexedDB)', () => {
  it('writes what one task writes as one transaction, 64 records to a value, and reads them back in key order', async () => {
    const { factory, transactions } = counted();
    const { db } = await OutboxDb.open(factory, 'outbox', noFailure);
    const writes = Array.from({ length: 200 }, (_, i) => db.write(i + 1, record(i + 1)));
    await Promise.all(writes);
    expect(transactions()).toBe(1);
    expect((await values(factory)).map(([key, v]) => [key, (v as { r: unknown[] }).r.length])).toEqual([[1, 64], [65, 64], [129, 64], [193, 8]]);
    db.close();
    const again = await OutboxDb.open(factory, 'outbox', noFailure);
    expect(again.records.map(([key, r]) => [key, r.topic])).toEqual(Array.from({ length: 200 }, (_, i) => [i + 1, `t/${i + 1}`]));
    again.db.close();
  });

  it('writes nothing for a record deleted before its turn came', async () => {
    const { factory, transactions } = counted();
    const { db } = await OutboxDb.open(factory, 'outbox', noFailure);
    void db.write(1, record(1));
    await db.write(1, null);
    await db.written();
    expect(transactions()).toBe(0);
    expect(await values(factory)).toEqual([]);
  });

  it('while a transaction commits, what is written meanwhile waits and goes out together in the next one', async () => {
    const { factory, transactions } = counted();
    const { db } = await OutboxDb.open(factory, 'outbox', noFailure);
    let firstDone = false;
    const first = db.write(1, record(1)).then(() => (firstDone = true));
    await Promise.resolve();
    expect(transactions()).toBe(1);
    const second = db.write(2, record(2));
    await Promise.resolve();
    const third = db.write(3, record(3));
    expect(firstDone).toBe(false);
    await Promise.all([first, second, third]);
    expect(transactions()).toBe(2);
    expect((await values(factory)).map(([key, v]) => [key, (v as { r: unknown[] }).r.length])).toEqual([[1, 1], [2, 2]]);
  });

  it("a chunk is written again without the records that settled, and deleted once none is left", async () => {
    const { factory } = counted();
    const { db } = await OutboxDb.open(factory, 'outbox', noFailure);
    await Promise.all([1, 2, 3].map((k) => db.write(k, record(k))));
    await db.write(2, null);
    expect((await values(factory)).map(([key, v]) => [key, (v as { r: Array<[number, unknown]> }).r.map(([k]) => k)])).toEqual([[1, [1, 3]]]);
    void db.write(1, null);
    await db.write(3, null);
    expect(await values(factory)).toEqual([]);
  });

  it('reads a value that is one record (an earlier build wrote one per key) and writes it again as a chunk', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve) => {
      const open = factory.open('outbox', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('records');
      open.onsuccess = () => {
        const tx = open.result.transaction('records', 'readwrite');
        tx.objectStore('records').put(record(7), 7);
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
      };
    });
    const { db, records } = await OutboxDb.open(factory, 'outbox', noFailure);
    expect(records.map(([key, r]) => [key, r.topic])).toEqual([[7, 't/7']]);
    await db.write(7, { ...record(7), mid: 3 });
    expect(await values(factory)).toEqual([[7, { r: [[7, expect.objectContaining({ topic: 't/7', mid: 3 })]] }]]);
    await db.write(7, null);
    expect(await values(factory)).toEqual([]);
  });

  it('a put that fails gives its new records to `failed`, which may write them again; nothing else is lost', async () => {
    const factory = new IDBFactory();
    failPuts(factory, 1);
    const failed: Array<[string, number[]]> = [];
    let outbox!: OutboxDb;
    ({ db: outbox } = await OutboxDb.open(factory, 'outbox', (error, keys) => {
      failed.push([error.name, keys]);
      // As the outbox does with 'drop-oldest': the first is written again, the second given up.
      void outbox.write(1, record(1));
      void outbox.write(2, null);
    }));
    void outbox.write(1, record(1));
    void outbox.write(2, record(2));
    await outbox.written();
    await outbox.written();
    expect(failed).toEqual([['QuotaExceededError', [1, 2]]]);
    expect((await values(factory)).map(([key, v]) => [key, (v as { r: Array<[number, unknown]> }).r.map(([k]) => k)])).toEqual([[1, [1]]]);
  });

  it('writes that only take settled records out wait for the timer (a put, or written(), takes them along sooner)', async () => {
    const { factory, transactions } = counted();
    const timers: Array<[() => void, number]> = [];
    const { db } = await OutboxDb.open(factory, 'outbox', noFailure, (fn, ms) => void timers.push([fn, ms]));
    await Promise.all([1, 2, 3, 4].map((k) => db.write(k, record(k))));
    expect(transactions()).toBe(1);
    void db.write(1, null);
    void db.write(2, null);
    await new Promise((resolve) => setImmediate(resolve));
    expect(transactions()).toBe(1);
    expect(timers.map(([, ms]) => ms)).toEqual([SETTLED_WRITE_DELAY_MS]);
    timers.shift()![0]();
    await db.written();
    expect(transactions()).toBe(2);
    const keys = async () => (await values(factory)).flatMap(([, v]) => (v as { r: Array<[number, unknown]> }).r.map(([k]) => k));
    expect(await keys()).toEqual([3, 4]);
    // A delete waiting when a new record comes goes with it.
    void db.write(3, null);
    await db.write(5, record(5));
    expect(transactions()).toBe(3);
    expect(await keys()).toEqual([4, 5]);
    // written() (MQTT.js closing its store) does not wait for the timer.
    void db.write(4, null);
    await db.written();
    expect(transactions()).toBe(4);
    expect(await keys()).toEqual([5]);
  });
});
