import { ChunkLayout, type ChunkWrite, type OutboxRecord } from './outbox-chunks';

export type { OutboxRecord } from './outbox-chunks';

const STORE = 'records';

/** A write that failed: which keys it was writing, and why (`error.name` 'QuotaExceededError' for a full disk quota). */
export type WriteFailure = (error: DOMException | Error, keys: number[]) => void;

/**
 * How long the writes that only take settled records out wait for company (nothing waits on them: a late one only
 * means a publish acknowledged just before a crash or reload is sent again). Each QoS 1 PUBACK comes in a WebSocket
 * message of its own, so without the wait every one of them was a transaction and a chunk written again.
 */
export const SETTLED_WRITE_DELAY_MS = 20;

/** Runs `fn` after `ms` (the client's clock). */
export type OutboxTimer = (fn: () => void, ms: number) => void;

/**
 * What IndexedDB holds under one key: records written together, each with its own key (its place in publish order).
 * The value's key is the key its first record had. A value that is a record itself (no `r`) is a chunk of one.
 */
interface StoredChunk {
  r: Array<[number, OutboxRecord]>;
}

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
 * Records are stored in chunks of up to 64 (one IndexedDB value each: 5,000 puts of one record took Chromium 650-900 ms
 * to commit and the page 90-460 ms to make, 5,000 records in one value 15 ms), and a chunk is written again without
 * the records that settled, or deleted once none is left. Writes are batched: what is written in one task goes out as
 * one transaction at its end, and while a transaction commits the writes made meanwhile wait and go out together in
 * the next (IndexedDB runs a store's transactions one after the other anyway). A record that settles before it was
 * written costs nothing.
 *
 * What a page crash (or a reload) keeps: every transaction that committed. "In IndexedDB from the moment publish()
 * queued or sent it" therefore means: from the commit of the transaction made at the end of that task (or, when one
 * was committing then, of the one right after it), a few ms. A crash inside that window loses a publish whose record
 * had not committed, unless it had reached the broker already: a QoS 1 PUBLISH may have left (it does not wait for its
 * record), a QoS 2 PUBLISH never leaves before its record, packet identifier included, has committed (nor its PUBREL
 * before the PUBREC is written), so exactly once holds across the crash. Writes that only take settled records out wait
 * {@link SETTLED_WRITE_DELAY_MS} more: one lost to a crash only means the next page publishes an acknowledged QoS 1
 * message again (at least once), or sends a PUBREL the broker answers as done.
 */
export class OutboxDb {
  /** Which record is in which value, and what the next transaction writes (outbox-chunks.ts). */
  readonly #layout = new ChunkLayout();
  /** Resolved when the transaction carrying what is pending has committed. */
  #next: Deferred | undefined;
  /** A transaction is committing, and what resolves when it has. */
  #busy = false;
  #committing: Deferred | undefined;
  /** A flush is queued for the end of this task. */
  #due = false;
  #closed = false;
  /** What is pending includes a put (a new record, a QoS 2 flow's next step): it goes at the end of this task. */
  #urgent = false;
  /** A timer runs for writes that only take records out. */
  #waiting = false;

  readonly #db: IDBDatabase;
  readonly #failed: WriteFailure;
  readonly #timer: OutboxTimer | undefined;
  readonly #soon: (fn: () => void) => void;

  private constructor(db: IDBDatabase, failed: WriteFailure, timer: OutboxTimer | undefined, soon: (fn: () => void) => void) {
    this.#soon = soon;
    this.#db = db;
    this.#failed = failed;
    this.#timer = timer;
  }

  /**
   * Opens (creating it on first use) the database `name`, and reads every record in key order. Rejects when IndexedDB
   * is missing, refuses (private modes, storage blocked), holds a newer version, or an older connection blocks it.
   * With `timer`, writes that only take settled records out wait {@link SETTLED_WRITE_DELAY_MS} for more; `soon` runs
   * the end-of-task flush (the client's clock; a microtask without one).
   */
  static async open(
    factory: IDBFactory | undefined,
    name: string,
    failed: WriteFailure,
    timer?: OutboxTimer,
    soon: (fn: () => void) => void = (fn) => queueMicrotask(fn),
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
    const [keys, values] = await Promise.all([request<IDBValidKey[]>(() => store.getAllKeys()), request<Array<StoredChunk | OutboxRecord>>(() => store.getAll())]);
    const outbox = new OutboxDb(db, failed, timer, soon);
    const records: Array<[number, OutboxRecord]> = [];
    keys.forEach((key, i) => {
      const value = values[i] as StoredChunk | OutboxRecord;
      const list: Array<[number, OutboxRecord]> = 'r' in value ? value.r : [[key as number, value]];
      outbox.#layout.stored(key as number, list);
      records.push(...list);
    });
    // Another tab (a newer build) wants to upgrade: let it, and stop writing here.
    db.onversionchange = () => {
      outbox.close();
      failed(new Error('the outbox database was upgraded by another page'), []);
    };
    return { db: outbox, records: records.sort((a, b) => a[0] - b[0]) };
  }

  /**
   * Queues a put (or, with null, a delete) of `key`; resolves once the transaction that carries it has committed (or
   * failed: `failed` hears of that).
   */
  write(key: number, record: OutboxRecord | null): Promise<void> {
    if (!this.#layout.write(key, record)) return Promise.resolve();
    if (record) this.#urgent = true;
    this.#next ??= deferred();
    this.#schedule();
    return this.#next.promise;
  }

  /** Resolves once every write made so far has committed (or failed); what waited for company goes now. */
  written(): Promise<void> {
    if (this.#next) {
      this.#urgent = true;
      this.#schedule();
    }
    return (this.#next ?? this.#committing)?.promise ?? Promise.resolve();
  }

  close(): void {
    this.#closed = true;
    this.#db.close();
  }

  /**
   * A transaction at the end of this task (after {@link SETTLED_WRITE_DELAY_MS} when it would only take records out),
   * unless one is committing: its `complete` schedules the next.
   */
  #schedule(): void {
    if (this.#busy || this.#closed) return;
    if (this.#urgent || !this.#timer) {
      if (this.#due) return;
      this.#due = true;
      this.#soon(() => {
        this.#due = false;
        this.#flush();
      });
      return;
    }
    if (this.#waiting) return;
    this.#waiting = true;
    this.#timer(() => {
      this.#waiting = false;
      this.#flush();
    }, SETTLED_WRITE_DELAY_MS);
  }

  #flush(): void {
    if (this.#busy || this.#closed) return;
    const done = this.#next;
    this.#next = undefined;
    this.#urgent = false;
    const plan = this.#layout.take();
    if (!plan) {
      done?.settle();
      return;
    }
    const { writes, deletes, made } = plan;
    let tx: IDBTransaction;
    let added = 0;
    let refused: DOMException | undefined;
    try {
      // Relaxed: committed once the browser process has the data (a renderer crash or a reload keeps it), without
      // waiting for the disk to flush; only an OS crash or power loss right after could lose the last writes.
      tx = this.#db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
      const store = tx.objectStore(STORE);
      for (const chunk of deletes) store.delete(chunk);
      try {
        for (; added < writes.length; added++) {
          const [chunk, live] = writes[added] as [number, Map<number, OutboxRecord>];
          store.put({ r: [...live] } satisfies StoredChunk, chunk);
        }
      } catch (error) {
        // put() threw (a browser may say a full quota at once): what was added still commits, the rest did not.
        refused = error as DOMException;
      }
    } catch (error) {
      this.#lost(error as DOMException, writes, deletes, made, done);
      return;
    }
    this.#busy = true;
    this.#committing = done;
    tx.oncomplete = () => {
      this.#busy = false;
      this.#committing = undefined;
      done?.settle();
      if (this.#next) this.#schedule();
    };
    tx.onabort = () => {
      this.#busy = false;
      this.#committing = undefined;
      this.#lost(tx.error ?? new Error('the outbox transaction was aborted'), writes.slice(0, added), deletes, made, done);
    };
    if (refused) this.#lost(refused, writes.slice(added), [], made, undefined);
  }

  /**
   * Writes that did not happen. The new chunks among them are undone and their records go to `failed` (which drops
   * them or writes them again); chunks written again and deletes are tried again with the next write.
   */
  #lost(error: DOMException | Error, writes: readonly ChunkWrite[], deletes: readonly number[], made: readonly number[], done: Deferred | undefined): void {
    const keys = this.#layout.lost(writes, deletes, made);
    done?.settle();
    this.#failed(error, keys);
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
