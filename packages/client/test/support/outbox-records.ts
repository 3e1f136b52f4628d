import type { OutboxRecord } from '../../src/outbox/outbox-db';

/** Every record in the outbox database `name` of `factory`, in key order (records are stored in chunks of them). */
export async function storedRecords(factory: IDBFactory, name: string): Promise<OutboxRecord[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = factory.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('records');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const all = await new Promise<Array<{ r: Array<[number, OutboxRecord]> }>>((resolve) => {
    const req = db.transaction('records', 'readonly').objectStore('records').getAll();
    req.onsuccess = () => resolve(req.result as Array<{ r: Array<[number, OutboxRecord]> }>);
  });
  db.close();
  return all.flatMap((chunk) => chunk.r).sort((a, b) => a[0] - b[0]).map(([, record]) => record);
}

/** Hands every transaction `factory`'s databases make to `seen` (which may patch it) before the caller gets it. */
export function watchTransactions(factory: IDBFactory, seen: (tx: IDBTransaction, mode: IDBTransactionMode | undefined) => void): void {
  const open = factory.open.bind(factory);
  factory.open = ((name: string, version?: number) => {
    const req = open(name, version);
    req.addEventListener('success', () => {
      const db = req.result;
      const transaction = db.transaction.bind(db);
      db.transaction = ((stores: string, mode?: IDBTransactionMode, options?: IDBTransactionOptions) => {
        const tx = transaction(stores, mode, options);
        seen(tx, mode);
        return tx;
      }) as typeof db.transaction;
    });
    return req;
  }) as typeof factory.open;
}

/**
 * Makes `factory`'s databases refuse puts as a full quota does: after `after` puts that succeed, the next `failures`
 * puts throw QuotaExceededError (the transaction keeps what was put before).
 */
export function failPuts(factory: IDBFactory, failures: number, after = 0): void {
  watchTransactions(factory, (tx, mode) => {
    if (mode !== 'readwrite') return;
    const store = tx.objectStore('records');
    const put = store.put.bind(store);
    store.put = ((value: unknown, key?: IDBValidKey) => {
      if (after > 0) after--;
      else if (failures > 0) {
        failures--;
        throw new DOMException('quota', 'QuotaExceededError');
      }
      return put(value, key);
    }) as typeof store.put;
    tx.objectStore = () => store;
  });
}
