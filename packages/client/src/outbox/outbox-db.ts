/** One unacknowledged QoS 1/2 publish as IndexedDB keeps it, under a key that is its place in publish order. */
export interface OutboxRecord {
  topic: string;
  payload: Uint8Array;
  qos: 1 | 2;
  retain: boolean;
  properties?: Record<string, unknown> | undefined;
  /** Set once MQTT.js has stored it under this packet identifier: from then on its QoS flow is MQTT.js's to finish. */
  mid?: number;
  /** QoS 2: PUBREC received, PUBREL (not the PUBLISH) is what is left to send. */
  rel?: boolean;
}

const STORE = 'records';

/** A write that failed: which keys it was writing, and why (`error.name` 'QuotaExceededError' for a full disk quota). */
export type WriteFailure = (error: DOMException | Error, keys: number[]) => void;

/**
 * The outbox's IndexedDB database (one per clientId, so two clients never see each other's records). Writes made in
 * one task go out as one transaction; a later write of a key replaces an earlier one not yet sent, so a publish
 * acknowledged within the task it was made in costs nothing.
 */
export class OutboxDb {
  /** Key → the record to put, or null to delete; what the next transaction writes. */
  private pending = new Map<number, OutboxRecord | null>();
  private committed: Promise<void> | undefined;
  private settle: (() => void) | undefined;

  private constructor(
    private readonly db: IDBDatabase,
    private readonly failed: WriteFailure,
  ) {}

  /**
   * Opens (creating it on first use) the database `name`, and reads every record in key order. Rejects when IndexedDB
   * is missing, refuses (private modes, storage blocked), holds a newer version, or an older connection blocks it.
   */
  static async open(factory: IDBFactory | undefined, name: string, failed: WriteFailure): Promise<{ db: OutboxDb; records: Array<[number, OutboxRecord]> }> {
    if (!factory) throw new Error('IndexedDB is not available here');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = factory.open(name, 1);
      let gaveUp = false;
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => (gaveUp ? open.result.close() : resolve(open.result));
      open.onerror = () => reject(open.error);
      // Another connection holds an older version open: waiting could take forever, and the client waits for this.
      open.onblocked = () => {
        gaveUp = true;
        reject(new Error('IndexedDB is blocked by a connection to an older version of the outbox database'));
      };
    });
    const outbox = new OutboxDb(db, failed);
    // Another tab (a newer build) wants to upgrade: let it, and stop writing here.
    db.onversionchange = () => {
      db.close();
      failed(new Error('the outbox database was upgraded by another page'), []);
    };
    const store = db.transaction(STORE, 'readonly').objectStore(STORE);
    const [keys, values] = await Promise.all([request<IDBValidKey[]>(() => store.getAllKeys()), request<OutboxRecord[]>(() => store.getAll())]);
    return { db: outbox, records: keys.map((key, i) => [key as number, values[i] as OutboxRecord]) };
  }

  /** Queues a put (or, with null, a delete) of `key`; resolves once the transaction that carries it has committed. */
  write(key: number, record: OutboxRecord | null): Promise<void> {
    this.pending.set(key, record);
    if (!this.committed) {
      this.committed = new Promise<void>((resolve) => (this.settle = resolve));
      queueMicrotask(() => this.flush());
    }
    return this.committed;
  }

  close(): void {
    this.db.close();
  }

  private flush(): void {
    const batch = this.pending;
    const settle = this.settle as () => void;
    this.pending = new Map();
    this.committed = undefined;
    const puts = [...batch].filter(([, record]) => record !== null).map(([key]) => key);
    const fail = (error: DOMException | Error | null): void => {
      settle();
      this.failed(error ?? new Error('the outbox transaction was aborted'), puts);
    };
    let tx: IDBTransaction;
    try {
      // Relaxed: committed once the browser process has the data (a renderer crash or a reload keeps it), without
      // waiting for the disk to flush; only an OS crash or power loss right after could lose the last writes.
      tx = this.db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
      const store = tx.objectStore(STORE);
      for (const [key, record] of batch) {
        if (record) store.put(record, key);
        else store.delete(key);
      }
    } catch (error) {
      fail(error as DOMException);
      return;
    }
    tx.oncomplete = settle;
    tx.onabort = () => fail(tx.error);
  }
}

/** An IDBRequest as a promise; `make` may throw (IndexedDB refused outright, as some private modes do). */
function request<T>(make: () => IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const req = make();
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}
