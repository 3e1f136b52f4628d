import type { IClientOptions, MqttClient } from 'mqtt';
import { ErrorCode, WebMqttError } from '../core/errors';
import type { QueueChange } from '../core/events';
import type { MqttFactory, MqttFactoryContext } from '../connection/mqtt-factory';
import type { NormalizedOptions } from '../core/options';
import type { PendingPublish, Publisher } from '../messaging/publisher';
import { OutboxDb, type OutboxRecord, type OutboxTimer } from './outbox-db';
import { OutboxStore } from './outbox-store';

/**
 * Rejections after which a publish is given up for good, so its record goes: dropped by the overflow policy, refused
 * by the broker or by MQTT.js. Any other (close(), a client that gave up connecting) leaves the record for the next
 * page with this clientId: it was not delivered, and nothing said it never will be.
 */
const FINAL: readonly string[] = [ErrorCode.QUEUE_FULL, ErrorCode.PUBLISH_REJECTED, ErrorCode.INVALID_OPTIONS];

/** The database name: one database per clientId, so two clients never see each other's publishes. */
export const outboxName = (clientId: string): string => `webmqtt-outbox/${clientId}`;

/** A publish a leader tab makes for a tab of its group (tabs/leader.ts): `origin` names it across leader changes. */
type RelayedPublish = PendingPublish & { origin?: string };

/** What the client's factory does with an open outbox: creates MQTT.js on the outbox's store. */
export interface Outbox {
  create(factory: MqttFactory, url: string, options: IClientOptions, context?: MqttFactoryContext): Promise<MqttClient>;
}

/** How the outbox emits the client's `error` and `queue` events. */
export type OutboxEmit = <E extends 'error' | 'queue'>(event: E, payload: E extends 'error' ? WebMqttError : QueueChange) => void;

/**
 * Opens the outbox of `opts.clientId` and hands the publisher what an earlier page left: the publishes not yet sent,
 * ahead of anything queued; those MQTT.js had in flight stay in its store, which it sends again after the CONNACK.
 * Resolves undefined, after one `PERSISTENCE_OFF` on `error`, when IndexedDB cannot be used: the client then
 * runs on its memory queue.
 */
export async function openOutbox(opts: NormalizedOptions, publisher: Publisher, emit: OutboxEmit): Promise<Outbox | undefined> {
  let outbox: PersistedOutbox | undefined;
  try {
    const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    // The client's clock, or the global timer (looked up when called: nothing at import).
    const clock = opts.clock;
    const timer: OutboxTimer = (fn, ms) => void (clock ? clock.setTimeout(fn, ms) : globalThis.setTimeout(fn, ms));
    const soon = clock?.queueMicrotask ? (fn: () => void) => clock.queueMicrotask!(fn) : undefined;
    const { db, records } = await OutboxDb.open(factory, outboxName(opts.clientId), (error, keys) => outbox?.failed(error, keys), timer, soon);
    outbox = new PersistedOutbox(db, opts, publisher, emit);
    outbox.restore(records);
    return outbox;
  } catch (cause) {
    emit('error', unavailable(cause));
    return undefined;
  }
}

function unavailable(cause: unknown): WebMqttError {
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new WebMqttError(
    ErrorCode.PERSISTENCE_OFF,
    `offlineQueue.persist is off: IndexedDB cannot be used (${why}); publishes are kept in memory only and do not survive a reload.`,
    { cause, retryable: false },
  );
}

class PersistedOutbox implements Outbox {
  /** Undefined once writing stopped (a failing IndexedDB): records are then kept in memory only. */
  #db: OutboxDb | undefined;
  readonly #store: OutboxStore;
  readonly #records = new Map<number, OutboxRecord>();
  readonly #items = new Map<number, PendingPublish>();
  readonly #keys = new WeakMap<PendingPublish, number>();
  /** Keys of tracked publishes not yet handed to MQTT.js, per payload object (how mqtt.publish() names them). */
  readonly #unhanded = new Map<Uint8Array, number[]>();
  #next = 1;
  /** Restored publishes not yet settled, and the fate of those that have. */
  readonly #restoredLeft = new Set<number>();
  #delivered = 0;
  #lost = 0;
  /** Keys written again after a quota error evicted older records: a second quota error drops them. */
  readonly #retried = new Set<number>();
  /**
   * With shareAcrossTabs: the live records of relayed publishes by their origin (tab id and the tab's id for the
   * publish), and how the restored ones among them settled. A tab says its unanswered publishes again to each new
   * leader, which may have restored the same publishes from what the last leader left: they are one publish.
   */
  readonly #origins = new Map<string, number>();
  readonly #settledOrigins = new Map<string, WebMqttError | undefined>();
  /** Publishes that are the same as the record of `key` (said again by their tab): they settle as it does. */
  readonly #followers = new Map<number, Array<(error?: WebMqttError) => void>>();
  /** The payloads of such publishes that the publisher is sending anyway: MQTT.js never gets them (see create()). */
  readonly #merged = new WeakMap<Uint8Array, string>();
  #mqtt: MqttClient | undefined;

  readonly #opts: NormalizedOptions;
  readonly #publisher: Publisher;
  readonly #emit: OutboxEmit;

  constructor(db: OutboxDb, opts: NormalizedOptions, publisher: Publisher, emit: OutboxEmit) {
    this.#opts = opts;
    this.#publisher = publisher;
    this.#emit = emit;
    this.#db = db;
    this.#store = new OutboxStore(
      {
        record: (key) => this.#records.get(key),
        save: (key, record) => this.#db?.write(key, record) ?? Promise.resolve(),
        done: (key) => this.#forget(key, undefined),
        closing: () => this.#close(),
      },
      () => !this.#opts.clean && (this.#mqtt as { connackPacket?: { sessionPresent?: boolean } } | undefined)?.connackPacket?.sessionPresent === true,
    );
  }

  async create(factory: MqttFactory, url: string, options: IClientOptions, context?: MqttFactoryContext): Promise<MqttClient> {
    const mqtt = await factory(url, { ...options, outgoingStore: this.#store as unknown as IClientOptions['outgoingStore'] }, context);
    this.#mqtt = mqtt;
    // The store learns which record MQTT.js is storing from this: the publisher hands each publish over by payload.
    const publish = mqtt.publish as (this: MqttClient, ...args: unknown[]) => MqttClient;
    mqtt.publish = ((topic: string, payload: Uint8Array, options?: { qos?: number }, cb?: (error?: Error) => void) => {
      const origin = this.#merged.get(payload);
      if (origin !== undefined) {
        // A tab's publish said again after this leader had it from the outbox already: one publish on the wire, and
        // the publisher's callback is the record's outcome.
        this.#merged.delete(payload);
        this.#follow(origin, (error) => cb?.(error));
        return mqtt;
      }
      if (options?.qos) this.#handing(topic, payload);
      return publish.call(mqtt, topic, payload, options, cb);
    }) as MqttClient['publish'];
    return mqtt;
  }

  /** An earlier page's records: in flight ones to MQTT.js's store, the rest to the head of the publisher's queue. */
  restore(records: Array<[number, OutboxRecord]>): void {
    const queued: PendingPublish[] = [];
    for (const [key, record] of records) {
      this.#next = Math.max(this.#next, key + 1);
      this.#records.set(key, record);
      this.#restoredLeft.add(key);
      if (record.origin !== undefined) this.#origins.set(record.origin, key);
      if (record.mid !== undefined) {
        this.#store.adopt(key, record.mid);
        continue;
      }
      // No promise waits for these: their fate is counted (restoredSettled) and each failure goes to `error`.
      const item: PendingPublish = { ...record, properties: record.properties, resolve: () => {}, reject: () => {} };
      this.#bind(item, key);
      queued.push(item);
    }
    // Ahead of whatever was published while the database opened, and through the queue's limits like them.
    const publisher = this.#publisher;
    publisher.track = (item) => this.#track(item);
    let dropped = 0;
    const drained = publisher.offline?.drain() ?? [];
    for (const item of [...queued, ...drained]) {
      const origin = (item as RelayedPublish).origin;
      if (origin !== undefined && !this.#keys.has(item) && this.#origins.has(origin)) {
        // Said again by its tab before this page had read the outbox: the restored record is that publish.
        this.#follow(origin, (error) => (error ? item.reject(error) : item.resolve()));
        continue;
      }
      this.#track(item);
      dropped += publisher.enqueue(item);
    }
    if (records.length === 0 && dropped === 0) return;
    const change: QueueChange = { ...publisher.queued, restored: records.length };
    if (dropped > 0) change.dropped = dropped;
    publisher.announced = change.size;
    this.#emit('queue', change);
  }

  /** A publish was accepted: QoS 1/2 ones are recorded until they settle. */
  #track(item: PendingPublish): void {
    if (!item.qos || this.#keys.has(item)) return;
    const origin = (item as RelayedPublish).origin;
    if (origin !== undefined && (this.#origins.has(origin) || this.#settledOrigins.has(origin))) {
      // Already here (restored, or restored and settled): the publisher sends it, MQTT.js never sees it (create()).
      this.#merged.set(item.payload, origin);
      return;
    }
    const key = this.#next++;
    const record: OutboxRecord = { topic: item.topic, payload: item.payload, qos: item.qos as 1 | 2, retain: item.retain };
    if (item.properties) record.properties = item.properties;
    if (origin !== undefined) {
      record.origin = origin;
      this.#origins.set(origin, key);
    }
    this.#records.set(key, record);
    this.#bind(item, key);
    void this.#db?.write(key, record);
  }

  #bind(item: PendingPublish, key: number): void {
    this.#keys.set(item, key);
    this.#items.set(key, item);
    const waiting = this.#unhanded.get(item.payload);
    if (waiting) waiting.push(key);
    else this.#unhanded.set(item.payload, [key]);
    const { resolve, reject } = item;
    item.resolve = () => {
      this.#forget(key, undefined);
      resolve();
    };
    item.reject = (error) => {
      if (FINAL.includes(error.code)) this.#forget(key, error);
      else this.#settleFollowers(key, error);
      reject(error);
    };
  }

  /** `settle` runs with the outcome of the record of `origin` (at once when that record has settled already). */
  #follow(origin: string, settle: (error?: WebMqttError) => void): void {
    const key = this.#origins.get(origin);
    if (key === undefined) {
      settle(this.#settledOrigins.get(origin));
      return;
    }
    const list = this.#followers.get(key);
    if (list) list.push(settle);
    else this.#followers.set(key, [settle]);
  }

  #settleFollowers(key: number, error: WebMqttError | undefined): void {
    const list = this.#followers.get(key);
    this.#followers.delete(key);
    for (const settle of list ?? []) settle(error);
  }

  #handing(topic: string, payload: Uint8Array): void {
    const waiting = this.#unhanded.get(payload);
    const index = waiting?.findIndex((key) => this.#records.get(key)?.topic === topic) ?? -1;
    if (!waiting || index < 0) return;
    const [key] = waiting.splice(index, 1) as [number];
    if (waiting.length === 0) this.#unhanded.delete(payload);
    this.#store.handing(key, topic);
  }

  /** The publish of `key` settled: delivered (no error) or given up (`error`). */
  #forget(key: number, error: WebMqttError | undefined): void {
    const record = this.#records.get(key);
    if (!record) return;
    this.#records.delete(key);
    this.#items.delete(key);
    this.#retried.delete(key);
    const waiting = this.#unhanded.get(record.payload);
    if (waiting?.includes(key)) waiting.splice(waiting.indexOf(key), 1);
    if (waiting?.length === 0) this.#unhanded.delete(record.payload);
    void this.#db?.write(key, null);
    const restored = this.#restoredLeft.delete(key);
    if (record.origin !== undefined) {
      this.#origins.delete(record.origin);
      if (restored) this.#settledOrigins.set(record.origin, error);
    }
    this.#settleFollowers(key, error);
    if (!restored) return;
    if (error) {
      this.#lost++;
      this.#emit('error', new WebMqttError(error.code, `A publish to "${record.topic}" restored from the outbox was given up: ${error.message}`, { cause: error, reasonCode: error.reasonCode, retryable: false }));
    } else {
      this.#delivered++;
    }
    if (this.#restoredLeft.size === 0) this.#emit('queue', { ...this.#publisher.queued, restoredSettled: { delivered: this.#delivered, failed: this.#lost } });
  }

  /** The client closed: the writes made so far go in, then the database is closed (what settles later stays stored). */
  async #close(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    await db.written();
    if (this.#db !== db) return;
    this.#db = undefined;
    db.close();
  }

  /** A transaction failed: a full quota goes through the overflow policy; anything else turns persistence off. */
  failed(error: DOMException | Error, keys: number[]): void {
    if (!this.#db) return;
    if (error.name !== 'QuotaExceededError') {
      this.#db.close();
      this.#db = undefined;
      this.#emit('error', unavailable(error));
      return;
    }
    // Records the failed transaction did not store, still waiting to be sent or acknowledged.
    const unstored = keys.filter((key) => this.#items.has(key));
    const policy = this.#opts.offlineQueue ? this.#opts.offlineQueue.overflow : 'drop-oldest';
    let dropped = 0;
    const drop = (key: number, why: string): boolean => {
      const item = this.#items.get(key);
      // Not in the offline queue: connected, so in MQTT.js's hands within this task; it goes out, only not durably.
      if (!item || !this.#publisher.offline?.remove(item)) return false;
      dropped++;
      item.reject(new WebMqttError(ErrorCode.QUEUE_FULL, `The browser's storage quota for the persisted outbox is exhausted: ${why} (offlineQueue.overflow "${policy}"); free some storage or lower offlineQueue.maxBytes.`));
      return true;
    };
    if (policy === 'drop-oldest') {
      const fresh = unstored.filter((key) => !this.#retried.has(key));
      let room = fresh.length;
      for (const [key, record] of this.#records) {
        if (room === 0) break;
        if (record.mid === undefined && !keys.includes(key) && drop(key, 'this older message was dropped to make room')) room--;
      }
      for (const key of fresh) {
        this.#retried.add(key);
        void this.#db.write(key, this.#records.get(key) as OutboxRecord);
      }
      for (const key of unstored) if (!fresh.includes(key)) drop(key, 'this message could not be stored');
    } else {
      for (const key of unstored) drop(key, 'this message could not be stored');
    }
    this.#emit('queue', { ...this.#publisher.queued, dropped, quotaExceeded: true });
  }
}
