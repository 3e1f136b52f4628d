import type { OutboxRecord } from './outbox-db';

/** An MQTT packet as MQTT.js's stores hold it. */
type Packet = Record<string, unknown> & { cmd?: string; messageId?: number; topic?: string };
type Done = (error?: Error) => void;
type PacketDone = (error?: Error, packet?: Packet) => void;

/** What the store needs of the outbox that owns the records. */
export interface StoreHost {
  /** The live record under `key`, if it has not settled. */
  record(key: number): OutboxRecord | undefined;
  /** Writes the record's new state; resolves once it is in IndexedDB (or the outbox stopped writing). */
  save(key: number, record: OutboxRecord): Promise<void>;
  /** MQTT.js finished the QoS flow of `key` (PUBACK, PUBCOMP, or a refusal). */
  done(key: number): void;
  /** MQTT.js ended (the client closed): resolves once every write made so far has committed (or failed) and the database is closed. */
  closing(): Promise<void>;
}

/**
 * MQTT.js's outgoing store (its Store interface: put/get/del/createStream/close) over the outbox's records, so its
 * in-flight state survives a reload: a QoS 2 PUBLISH is written to the wire only once its record knows its packet
 * identifier (put calls back after the commit), and its PUBREC is in IndexedDB before the PUBREL goes. After a reload MQTT.js re-sends
 * them from createStream() with the same identifiers: with a resumed session (clean: false) a QoS 2 flow finishes
 * exactly once. Without one the broker forgot the flow, so a QoS 2 message past PUBREC is published again (at least
 * once) rather than released into nothing.
 */
export class OutboxStore {
  /** QoS 1/2 publishes handed to MQTT.js and not yet stored by it, in order: MQTT.js stores them in that order. */
  readonly #handed: Array<{ key: number; topic: string }> = [];
  readonly #byMid = new Map<number, number>();
  /** Packets with no record (their publish was not tracked): kept in memory, as MQTT.js's own store does. */
  readonly #loose = new Map<number, Packet>();

  readonly #host: StoreHost;
  readonly #sessionResumed: () => boolean;

  constructor(host: StoreHost, sessionResumed: () => boolean) {
    this.#host = host;
    this.#sessionResumed = sessionResumed;
  }

  /** The publish with record `key` is being handed to MQTT.js, which stores it next. */
  handing(key: number, topic: string): void {
    this.#handed.push({ key, topic });
  }

  /** A restored record that MQTT.js had stored under `mid` on an earlier page. */
  adopt(key: number, mid: number): void {
    this.#byMid.set(mid, key);
  }

  /** How many packets MQTT.js will send again after the next CONNACK. */
  get size(): number {
    return this.#byMid.size + this.#loose.size;
  }

  put(packet: Packet, cb?: Done): this {
    const mid = packet.messageId as number;
    let key: number | undefined;
    if (packet.cmd === 'publish') {
      // Skip hand-overs MQTT.js never stored (it refused them before storing): the topic tells them apart.
      let entry = this.#handed.shift();
      while (entry && entry.topic !== packet.topic) entry = this.#handed.shift();
      key = entry?.key;
    } else {
      key = this.#byMid.get(mid);
    }
    const record = key === undefined ? undefined : this.#host.record(key);
    if (key === undefined || !record) {
      this.#loose.set(mid, packet);
      cb?.();
      return this;
    }
    if (packet.cmd === 'publish') record.mid = mid;
    else record.rel = true;
    this.#byMid.set(mid, key);
    // QoS 2 writes the identifier (and then PUBREC) and waits for the commit: exactly once needs it durable before the
    // packet leaves. QoS 1 writes nothing: a record without its identifier is published again under a new one after a
    // reload, which is at least once as promised, and a second write per message halved a QoS 1 burst's rate.
    if (record.qos === 2) void this.#host.save(key, record).then(() => cb?.());
    else cb?.();
    return this;
  }

  get(packet: Pick<Packet, 'messageId'>, cb: PacketDone): this {
    const found = this.#find(packet.messageId as number);
    if (found) cb(undefined, found);
    else cb(new Error('missing packet'));
    return this;
  }

  del(packet: Pick<Packet, 'messageId'>, cb: PacketDone): this {
    const mid = packet.messageId as number;
    const found = this.#find(mid);
    const key = this.#byMid.get(mid);
    this.#byMid.delete(mid);
    this.#loose.delete(mid);
    if (key !== undefined) this.#host.done(key);
    if (found) cb(undefined, found);
    else cb(new Error('missing packet'));
    return this;
  }

  /** What MQTT.js sends again after a CONNACK, oldest first. */
  createStream(): PacketStream {
    const keyed = [...this.#byMid.values()].sort((a, b) => a - b);
    const packets = keyed.map((key) => this.#packetOf(key)).filter((p): p is Packet => p !== undefined);
    return new PacketStream([...packets, ...this.#loose.values()]);
  }

  /**
   * MQTT.js ends (the client closed): calls back once the outbox's writes are in, so a next leader tab reads them, and
   * its database connection is closed (an open one would hold off another page's upgrade or delete of it).
   */
  close(cb?: Done): void {
    void this.#host.closing().then(() => cb?.());
  }

  #find(mid: number): Packet | undefined {
    const key = this.#byMid.get(mid);
    return key === undefined ? this.#loose.get(mid) : this.#packetOf(key);
  }

  #packetOf(key: number): Packet | undefined {
    const r = this.#host.record(key);
    if (!r || r.mid === undefined) return undefined;
    if (r.rel && this.#sessionResumed()) return { cmd: 'pubrel', qos: 2, messageId: r.mid };
    const packet: Packet = { cmd: 'publish', topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain, messageId: r.mid, dup: !r.rel };
    if (r.properties) packet['properties'] = r.properties;
    return packet;
  }
}

type Listener = (...args: unknown[]) => void;

/**
 * The part of a readable object stream MQTT.js's `_onConnect` uses on its store's stream: read(), the `readable`,
 * `end` and `error` events, destroy(). The packets are all known up front, so `end` follows the first empty read.
 */
export class PacketStream {
  #next = 0;
  #ended = false;
  #destroyed = false;
  readonly #listeners: Array<{ event: string; fn: Listener; once: boolean }> = [];

  readonly #packets: Packet[];

  constructor(packets: Packet[]) {
    this.#packets = packets;
  }

  read(): Packet | null {
    const packet = this.#packets[this.#next];
    if (packet) {
      this.#next++;
      return packet;
    }
    if (!this.#ended) {
      this.#ended = true;
      queueMicrotask(() => {
        if (!this.#destroyed) this.#emit('end');
      });
    }
    return null;
  }

  on(event: string, fn: Listener): this {
    this.#listeners.push({ event, fn, once: false });
    return this;
  }

  once(event: string, fn: Listener): this {
    this.#listeners.push({ event, fn, once: true });
    return this;
  }

  removeListener(event: string, fn: Listener): this {
    const index = this.#listeners.findIndex((l) => l.event === event && l.fn === fn);
    if (index >= 0) this.#listeners.splice(index, 1);
    return this;
  }

  destroy(): void {
    this.#destroyed = true;
  }

  #emit(event: string): void {
    for (const listener of this.#listeners.filter((l) => l.event === event)) {
      if (listener.once) this.removeListener(event, listener.fn);
      listener.fn();
    }
  }
}
