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

/** Gaps a delete range spans at most (keys between two deletes that are not stored): beyond it, two requests. */
const MAX_GAP = 64;

interface Deferred {
  promise: Promise<void>;
  settle(): void;
}

function deferred(): Deferred {
  let settle!: () => void;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  return { promise, settle };
}

/**
 * The outbox's IndexedDB database (one per clientId, so two clients never see each other's records).
 *
 * Writes are batched: what is written in one task goes out as one transaction at its end, and while a transaction
 * commits, the writes made meanwhile wait for it and go out together in the next (IndexedDB runs a store's
 * transactions one after the other anyway; every transaction and every request costs the page's main thread, which a
 * QoS 1 burst shares with the socket). A later write of a key replaces an earlier one not yet sent, and the delete of a
 * key whose put was never sent writes nothing: a publish acknowledged before its record left costs no write at all.
 * Deletes go as key ranges: acknowledgements come in key order, so a batch of them is one request.
 *
 * What a page crash (or a reload) keeps: every write of a transaction that committed. A write waits at most for the
 * transaction committing when it was made plus its own; a put lost in that window is a publish neither stored nor (for
 * QoS 2, which waits for the commit before its PUBLISH leaves) sent as one the broker could finish. A delete lost in it
 * only means the next page publishes an acknowledged QoS 1 message again (at least once), or sends a PUBREL the broker
 * answers as done.
 */
export class OutboxDb {
  /** Key → the record to put, or null to delete; what the next transaction writes. */
  private pending = new Map<number, OutboxRecord | null>();
  /** Resolved when the transaction carrying `pending` has committed. */
  private next: Deferred | undefined;
  /** Keys whose put went out in a transaction (committed or committing) and no delete since. */
  private readonly stored = new Set<number>();
  /** A transaction is committing, and what resolves when it has. */
  private busy = false;
  private committing: Deferred | undefined;
  /** A flush is queued for the end of this task. */
  private due = false;
  private closed = false;

  private constructor(
    private readonly db: IDBDatabase,
    private readonly failed: WriteFailure,
    private readonly keyRange: typeof IDBKeyRange | undefined,
    keys: number[],
  ) {
    for (const key of keys) this.stored.add(key);
  }

  /**
   * Opens (creating it on first use) the database `name`, and reads every record in key order. Rejects when IndexedDB
   * is missing, refuses (private modes, storage blocked), holds a newer version, or an older connection blocks it.
   * Without `keyRange` (the global IDBKeyRange, always there beside indexedDB in browsers) each key is deleted alone.
   */
  static async open(
    factory: IDBFactory | undefined,
    name: string,
    failed: WriteFailure,
    keyRange?: typeof IDBKeyRange,
  ): Promise<{ db: OutboxDb; records: Array<[number, OutboxRecord]> }> {
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
    const store = db.transaction(STORE, 'readonly').objectStore(STORE);
    const [keys, values] = await Promise.all([request<IDBValidKey[]>(() => store.getAllKeys()), request<OutboxRecord[]>(() => store.getAll())]);
    const outbox = new OutboxDb(db, failed, keyRange, keys as number[]);
    // Another tab (a newer build) wants to upgrade: let it, and stop writing here.
    db.onversionchange = () => {
      outbox.close();
      failed(new Error('the outbox database was upgraded by another page'), []);
    };
    return { db: outbox, records: keys.map((key, i) => [key as number, values[i] as OutboxRecord]) };
  }

  /**
   * Queues a put (or, with null, a delete) of `key`; resolves once the transaction that carries it has committed (or
   * failed: `failed` hears of that).
   */
  write(key: number, record: OutboxRecord | null): Promise<void> {
    if (record === null && !this.stored.has(key)) {
      // Its put never left this page (settled within the turn it was made in, or while a transaction committed).
      this.pending.delete(key);
      return Promise.resolve();
    }
    this.pending.set(key, record);
    this.next ??= deferred();
    this.schedule();
    return this.next.promise;
  }

  /** Resolves once every write made so far has committed (or failed). */
  written(): Promise<void> {
    return (this.next ?? this.committing)?.promise ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.db.close();
  }

  /** A transaction at the end of this task, unless one is committing (its `complete` starts the next). */
  private schedule(): void {
    if (this.busy || this.due || this.closed) return;
    this.due = true;
    queueMicrotask(() => {
      this.due = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.busy || this.closed) return;
    const batch = this.pending;
    const done = this.next;
    this.pending = new Map();
    this.next = undefined;
    if (batch.size === 0) {
      done?.settle();
      return;
    }
    const puts: number[] = [];
    const deletes: number[] = [];
    for (const [key, record] of batch) (record ? puts : deletes).push(key);
    let tx: IDBTransaction;
    let added = 0;
    let refused: DOMException | undefined;
    try {
      // Relaxed: committed once the browser process has the data (a renderer crash or a reload keeps it), without
      // waiting for the disk to flush; only an OS crash or power loss right after could lose the last writes.
      tx = this.db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
      const store = tx.objectStore(STORE);
      // Deletes first: a range may span a key this batch puts.
      for (const range of this.ranges(deletes)) store.delete(range);
      try {
        for (; added < puts.length; added++) store.put(batch.get(puts[added] as number), puts[added]);
      } catch (error) {
        // put() threw (a browser may say a full quota at once): what was added still commits, the rest is refused.
        refused = error as DOMException;
      }
    } catch (error) {
      this.aborted(error as DOMException, puts, deletes, done);
      return;
    }
    const written = puts.slice(0, added);
    const fresh = written.filter((key) => !this.stored.has(key));
    for (const key of deletes) this.stored.delete(key);
    for (const key of written) this.stored.add(key);
    this.busy = true;
    this.committing = done;
    tx.oncomplete = () => {
      this.busy = false;
      this.committing = undefined;
      done?.settle();
      if (this.pending.size > 0 || this.next) this.flush();
    };
    tx.onabort = () => {
      this.busy = false;
      this.committing = undefined;
      for (const key of fresh) this.stored.delete(key);
      for (const key of deletes) this.stored.add(key);
      this.aborted(tx.error ?? new Error('the outbox transaction was aborted'), written, deletes, done);
    };
    if (refused) this.failed(refused, puts.slice(added));
  }

  /** A transaction that wrote nothing: its deletes are still due (with the next one), its puts go to `failed`. */
  private aborted(error: DOMException | Error, puts: number[], deletes: number[], done: Deferred | undefined): void {
    for (const key of deletes) if (!this.pending.has(key)) this.pending.set(key, null);
    done?.settle();
    this.failed(error, puts);
    if (this.pending.size > 0) {
      this.next ??= deferred();
      this.schedule();
    }
  }

  /** `deletes` as few requests as can be: keys with nothing stored between them make one key range. */
  private ranges(deletes: number[]): Array<number | IDBKeyRange> {
    const KeyRange = this.keyRange;
    if (!KeyRange || deletes.length < 2) return deletes;
    deletes.sort((a, b) => a - b);
    const out: Array<number | IDBKeyRange> = [];
    let from = deletes[0] as number;
    let to = from;
    const end = (): void => void out.push(from === to ? from : KeyRange.bound(from, to));
    for (let i = 1; i < deletes.length; i++) {
      const key = deletes[i] as number;
      // A key between the two that is not stored (its put dropped, or a QoS 0 never had one) may be spanned.
      let spans = key - to <= MAX_GAP;
      for (let gap = to + 1; spans && gap < key; gap++) spans = !this.stored.has(gap);
      if (!spans) {
        end();
        from = key;
      }
      to = key;
    }
    end();
    return out;
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
