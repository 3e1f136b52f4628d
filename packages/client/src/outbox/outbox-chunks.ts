/**
 * Which outbox record lives in which IndexedDB value (a chunk of up to {@link CHUNK} records, stored under its first
 * record's key), and what the next transaction must write: chunks written again without the records that settled,
 * chunks deleted once empty, new records packed into new chunks. No I/O: outbox-db.ts does the writing.
 */

/** One unacknowledged QoS 1/2 publish as IndexedDB keeps it, under a key that is its place in publish order. */
export interface OutboxRecord {
  topic: string;
  payload: Uint8Array;
  qos: 1 | 2;
  retain: boolean;
  properties?: Record<string, unknown> | undefined;
  /**
   * Set once MQTT.js has stored it under this packet identifier: from then on its QoS flow is MQTT.js's to finish.
   * Written for QoS 2 only (a QoS 1 record keeps it in memory: after a reload it is published under a new one).
   */
  mid?: number;
  /** QoS 2: PUBREC received, PUBREL (not the PUBLISH) is what is left to send. */
  rel?: boolean;
  /**
   * With shareAcrossTabs, the publish's identity in its group: the id of the tab that made it and that tab's id for it.
   * A next leader that restores this record and hears the tab say the publish again sends it once.
   */
  origin?: string;
}

/** Records written as one IndexedDB value at most: a value costs the page (and IndexedDB) about as much as a record. */
export const CHUNK = 64;

/** A chunk to put: its key and its live records. */
export type ChunkWrite = [number, Map<number, OutboxRecord>];

/** What one transaction writes: chunks to put, chunks to delete, and which of the puts are new chunks. */
export interface ChunkPlan {
  writes: ChunkWrite[];
  deletes: number[];
  made: number[];
}

export class ChunkLayout {
  /** Records to put that are in no chunk yet (new keys), in key order. */
  #fresh = new Map<number, OutboxRecord>();
  /** The live records of each chunk, by the chunk's key, as the next write of it will have them; and each record's chunk. */
  readonly #chunks = new Map<number, Map<number, OutboxRecord>>();
  readonly #chunkOf = new Map<number, number>();
  /** Chunks to write again (or delete, once empty) in the next transaction. */
  #dirty = new Set<number>();

  /** A chunk as IndexedDB holds it (read when the database opens). */
  stored(chunk: number, records: ReadonlyArray<[number, OutboxRecord]>): void {
    this.#chunks.set(chunk, new Map(records));
    for (const [key] of records) this.#chunkOf.set(key, chunk);
  }

  /**
   * A put (or, with null, a delete) of `key` for the next transaction; false when there is nothing to delete (the
   * record was never written, nor queued to be).
   */
  write(key: number, record: OutboxRecord | null): boolean {
    const chunk = this.#chunkOf.get(key);
    if (chunk === undefined) {
      if (!record) return this.#fresh.delete(key);
      this.#fresh.set(key, record);
      return true;
    }
    const live = this.#chunks.get(chunk) as Map<number, OutboxRecord>;
    if (record) live.set(key, record);
    else {
      live.delete(key);
      this.#chunkOf.delete(key);
    }
    this.#dirty.add(chunk);
    return true;
  }

  /** What the next transaction writes, or undefined when nothing is left to write. */
  take(): ChunkPlan | undefined {
    const rewrite = this.#dirty;
    this.#dirty = new Set();
    const writes: ChunkWrite[] = [];
    const deletes: number[] = [];
    for (const chunk of rewrite) {
      const live = this.#chunks.get(chunk);
      // Undone since (a new chunk whose transaction failed): its records went to `failed`.
      if (!live) continue;
      if (live.size > 0) writes.push([chunk, live]);
      else {
        this.#chunks.delete(chunk);
        deletes.push(chunk);
      }
    }
    // New records into new chunks, each under its first record's key (never one in use: keys only grow, and a key
    // written again after a failure was in no chunk that was stored).
    const made: number[] = [];
    let current: Map<number, OutboxRecord> | undefined;
    for (const [key, record] of this.#fresh) {
      if (!current || current.size === CHUNK) {
        current = new Map();
        this.#chunks.set(key, current);
        made.push(key);
        writes.push([key, current]);
      }
      current.set(key, record);
      this.#chunkOf.set(key, made[made.length - 1] as number);
    }
    this.#fresh = new Map();
    return writes.length === 0 && deletes.length === 0 ? undefined : { writes, deletes, made };
  }

  /**
   * Writes that did not happen. The new chunks among them are undone: the keys of their records come back (for the
   * caller to drop or write again). Chunks written again and deletes go again with the next transaction.
   */
  lost(writes: readonly ChunkWrite[], deletes: readonly number[], made: readonly number[]): number[] {
    const keys: number[] = [];
    for (const [chunk, live] of writes) {
      if (!made.includes(chunk)) {
        this.#dirty.add(chunk);
        continue;
      }
      this.#chunks.delete(chunk);
      for (const key of live.keys()) {
        this.#chunkOf.delete(key);
        keys.push(key);
      }
    }
    for (const chunk of deletes) {
      this.#chunks.set(chunk, new Map());
      this.#dirty.add(chunk);
    }
    return keys;
  }
}
