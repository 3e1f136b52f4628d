/**
 * Test doubles for the injection points of `createClient()`: an MQTT.js client, a manual clock,
 * browser signals and a seeded random source. No sockets, no real timers, no sleeps.
 *
 * The fake MQTT.js client copies the behaviour of MQTT.js 5.16 where webmqtt depends on it:
 * - `connect()` / `reconnect()` build a new `stream` synchronously, call `options.transformWsUrl`
 *   and write a CONNECT packet (`packetsend`) with the credentials currently in `options`;
 * - a stream's own close handler runs before any listener added later (MQTT.js's comes first):
 *   it fails pending SUBSCRIBE/UNSUBSCRIBE callbacks with `Error('Connection closed')` while the
 *   client still counts as connected, then emits `close` and only then marks it disconnected;
 * - a refused CONNACK destroys the stream, then emits `error` with the numeric `code`;
 * - the subscribe callback is `(err, subs, packet)`: on a SUBACK carrying a failure code (>= 0x80)
 *   `err.code` is that code and `subs[i].qos` keep the *requested* QoS; on success `subs[i].qos`
 *   are the granted codes; a dropped socket gives `(Error('Connection closed'), subs, undefined)`;
 * - a QoS 0 publish while not connected calls back at once with `Error('No connection to broker')`;
 *   QoS 1/2 ones are stored and complete on a later ack;
 * - a topic alias on MQTT 5 with no Topic Alias Maximum from the broker calls back at once with
 *   `Error('Sending Topic Alias out of range')` (QoS 0; QoS 1/2 never call back);
 * - a write into a destroyed stream never calls back (it waits for a `drain` that never comes);
 * - on a CONNACK, QoS 1/2 publishes still unacknowledged from earlier sockets are re-sent first, and
 *   `connect` is emitted only once every one of them is acknowledged (MQTT.js `_onConnect`, PR #866):
 *   `connected` is true and `packetreceive` has seen the CONNACK long before `connect`.
 */
import { EventEmitter } from 'node:events';
import type { BrowserSignal, BrowserSignals } from '../../src/platform/browser-signals';
import type { Clock, TimerHandle } from '../../src/core/clock';
import type { MqttFactory, MqttFactoryContext, SocketWatcher } from '../../src/connection/mqtt-factory';

type Callback = (error?: (Error & { code?: number }) | null, ...rest: unknown[]) => void;

/** How a destroyed stream reports its `close`: at once, on the next microtask, or when the test says. */
export type CloseMode = 'sync' | 'microtask' | 'manual';

export class FakeStream extends EventEmitter {
  destroyed = false;
  closed = false;
  constructor(private readonly owner: FakeMqtt, readonly index: number) {
    super();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const mode = this.owner.closeMode;
    if (mode === 'sync') this.owner.closeStream(this);
    else if (mode === 'microtask') queueMicrotask(() => this.owner.closeStream(this));
    else this.owner.pendingCloses.push(this);
  }
}

export interface ConnectRecord {
  kind: 'connect' | 'reconnect';
  url: string;
  username: string | undefined;
  password: string | undefined;
  protocolVersion: number | undefined;
  clean: boolean | undefined;
  stream: FakeStream;
}

export interface PublishRecord {
  topic: string;
  payload: Uint8Array | string;
  opts: { qos?: number; retain?: boolean; properties?: Record<string, unknown> };
  messageId: number | undefined;
  /** pending: waiting for an ack / write; done: called back; lost: never will be. */
  status: 'pending' | 'done' | 'lost';
  /** The stream it was written to (undefined when stored while disconnected). */
  stream: FakeStream | undefined;
  cb: Callback | undefined;
}

export interface SubscribeRecord {
  map: Record<string, { qos: number; nl?: boolean; rap?: boolean; rh?: number }>;
  /** SUBSCRIBE properties (MQTT 5 subscriptionIdentifier). */
  properties: Record<string, unknown> | undefined;
  cb: Callback | undefined;
  messageId: number;
  status: 'pending' | 'done';
  stream: FakeStream | undefined;
}

export interface UnsubscribeRecord {
  topic: string | string[];
  cb: Callback | undefined;
  status: 'pending' | 'done';
  stream: FakeStream | undefined;
}

const SUBACK_TEXT: Record<number, string> = { 0x80: 'Unspecified error', 0x87: 'Not authorized', 0x8f: 'Topic Filter invalid' };

/** A stand-in for MQTT.js's `MqttClient`, driven by the test. */
export class FakeMqtt extends EventEmitter {
  readonly options: Record<string, any>;
  readonly url: string;
  stream: FakeStream | undefined;
  connected = false;
  disconnecting = false;
  incomingStore = { fake: 'incomingStore' };
  outgoingStore = { fake: 'outgoingStore' };

  closeMode: CloseMode = 'microtask';
  pendingCloses: FakeStream[] = [];
  /** QoS 0 publishes stay pending until `writeQos0()` (as if waiting for `drain`). */
  holdQos0 = false;
  /** SUBACK codes per filter; undefined = grant the requested QoS. 'manual' = wait for `suback()`. */
  subackMode: 'auto' | 'manual' = 'auto';
  subackCodes: Record<string, number> = {};
  /** Throws from publish() after this many calls: turns a synchronous retry loop into a failure, not a hang. */
  publishGuard = 10_000;

  readonly connects: ConnectRecord[] = [];
  readonly publishes: PublishRecord[] = [];
  readonly subscribes: SubscribeRecord[] = [];
  readonly unsubscribes: UnsubscribeRecord[] = [];
  readonly sentPackets: Array<Record<string, unknown>> = [];
  readonly ends: Array<{ force: unknown; opts: unknown }> = [];
  readonly reconnectOpts: unknown[] = [];
  private nextMessageId = 1;
  /** The CONNACK whose `connect` waits for the re-sent publishes to be acknowledged. */
  private withheldConnect: { packet: Record<string, unknown>; stream: FakeStream } | undefined;
  private serverProperties: Record<string, unknown> | undefined;
  private streams = 0;
  /** The client's socket hook (MqttFactoryContext.socket): called per stream, as the default factory does. */
  watchSocket: (() => SocketWatcher) | undefined;
  /** The watcher of the current stream, when the client gave a hook. */
  watcher: SocketWatcher | undefined;
  /** Each WebSocket reports `open` a microtask after it is made, as a reachable server's does; false: never. */
  socketsOpen = true;

  constructor(url: string, options: Record<string, any>) {
    super();
    this.url = url;
    this.options = options;
  }

  /** The current WebSocket opened (the browser's `open` event). */
  socketOpened(): void {
    this.watcher?.opened();
  }

  /** The server closes the WebSocket with this close frame, before or after the CONNACK. */
  closeWith(code: number, reason = ''): void {
    this.watcher?.closed(code, reason);
    this.stream?.destroy();
  }

  /** The transport reports an error on the current stream (Node's ws: TLS, HTTP status, ECONNREFUSED). */
  streamError(error: Error): void {
    this.stream?.emit('error', error);
  }

  // ---- what webmqtt calls -------------------------------------------------------------------

  connect(): this {
    this.open('connect');
    return this;
  }

  reconnect(opts?: unknown): this {
    this.reconnectOpts.push(opts);
    this.open('reconnect');
    return this;
  }

  /** As MQTT.js's end(): its outgoing store is closed (when it has a close()) before end() calls back. */
  private closeStores(cb?: () => void): void {
    const store = this.options['outgoingStore'] as { close?: (done: () => void) => void } | undefined;
    if (typeof store?.close === 'function') store.close(() => cb?.());
    else cb?.();
  }

  end(force?: unknown, opts?: unknown, cb?: () => void): this {
    this.ends.push({ force, opts });
    this.disconnecting = true;
    const stream = this.stream;
    if (stream && !stream.destroyed) {
      if (!force && this.connected) this.writePacket({ cmd: 'disconnect' });
      stream.once('close', () => this.closeStores(cb));
      stream.destroy();
    } else {
      queueMicrotask(() => this.closeStores(cb));
    }
    return this;
  }

  publish(topic: string, payload: Uint8Array | string, opts: PublishRecord['opts'], cb?: Callback): this {
    if (this.publishes.length >= this.publishGuard) throw new Error(`fake-mqtt: more than ${this.publishGuard} publish() calls (retry loop?)`);
    const qos = opts?.qos ?? 0;
    const record: PublishRecord = { topic, payload, opts, messageId: qos > 0 ? this.nextMessageId++ : undefined, status: 'pending', stream: undefined, cb };
    this.publishes.push(record);
    if (this.disconnecting) {
      record.status = 'done';
      cb?.(new Error('client disconnecting'));
      return this;
    }
    if (this.options['protocolVersion'] === 5 && opts?.properties?.['topicAlias'] && !this.serverProperties?.['topicAliasMaximum']) {
      if (qos === 0) {
        record.status = 'done';
        cb?.(new Error('Sending Topic Alias out of range'));
      } else {
        record.status = 'lost';
      }
      return this;
    }
    if (!this.connected) {
      if (qos === 0) {
        record.status = 'done';
        cb?.(new Error('No connection to broker'));
      }
      // QoS 1/2: stored, acked after a reconnect.
      return this;
    }
    record.stream = this.stream;
    this.writePacket({ cmd: 'publish', topic, payload, qos, retain: opts?.retain ?? false, messageId: record.messageId });
    if (qos === 0) {
      if (this.stream?.destroyed) {
        record.status = 'lost';
      } else if (!this.holdQos0) {
        record.status = 'done';
        cb?.();
      }
    }
    return this;
  }

  subscribe(map: SubscribeRecord['map'], optsOrCb?: { properties?: Record<string, unknown> } | Callback, maybeCb?: Callback): this {
    const cb = typeof optsOrCb === 'function' ? optsOrCb : maybeCb;
    const opts = typeof optsOrCb === 'function' ? undefined : optsOrCb;
    const record: SubscribeRecord = { map: { ...map }, properties: opts?.properties, cb, messageId: this.nextMessageId++, status: 'pending', stream: this.connected ? this.stream : undefined };
    this.subscribes.push(record);
    if (this.connected) {
      this.writePacket({ cmd: 'subscribe', messageId: record.messageId, subscriptions: Object.entries(map).map(([topic, o]) => ({ topic, ...o })), properties: record.properties });
      if (this.subackMode === 'auto') queueMicrotask(() => this.subackRecord(record));
    }
    return this;
  }

  unsubscribe(topic: string | string[], cb?: Callback): this {
    const record: UnsubscribeRecord = { topic, cb, status: 'pending', stream: this.connected ? this.stream : undefined };
    this.unsubscribes.push(record);
    if (this.connected) {
      this.writePacket({ cmd: 'unsubscribe', unsubscriptions: ([] as string[]).concat(topic) });
      queueMicrotask(() => {
        if (record.status !== 'pending') return;
        record.status = 'done';
        cb?.(null, { cmd: 'unsuback' });
      });
    }
    return this;
  }

  _sendPacket(packet: Record<string, unknown>, cb?: () => void): void {
    this.sentPackets.push(packet);
    this.emit('packetsend', packet);
    cb?.();
  }

  // ---- what the test (the "broker" and the "network") does ---------------------------------

  /** The last CONNECT's record. */
  get lastConnect(): ConnectRecord | undefined {
    return this.connects[this.connects.length - 1];
  }

  /** Every URL a socket was opened to, in order (the result of `transformWsUrl`). */
  get urls(): string[] {
    return this.connects.map((c) => c.url);
  }

  /** Protocol version of every CONNECT, in order. */
  get protocolVersions(): Array<number | undefined> {
    return this.connects.map((c) => c.protocolVersion);
  }

  /** A socket is open and waiting for the CONNACK. */
  get awaitingConnack(): boolean {
    return !!this.stream && !this.stream.destroyed && !this.connected;
  }

  /** The broker accepts the CONNECT. */
  acceptConnack(opts: { sessionPresent?: boolean; properties?: Record<string, unknown> } = {}): Record<string, unknown> {
    if (!this.awaitingConnack) throw new Error('fake-mqtt: acceptConnack() with no socket waiting for a CONNACK');
    const packet: Record<string, unknown> = { cmd: 'connack', sessionPresent: opts.sessionPresent ?? false, returnCode: 0, reasonCode: 0 };
    if (opts.properties) packet['properties'] = opts.properties;
    this.serverProperties = opts.properties;
    this.emit('packetreceive', packet);
    this.connected = true;
    const stored = this.unacked;
    if (stored.length > 0) {
      // MQTT.js re-sends its outgoing store before it says `connect`.
      for (const record of stored) {
        record.stream = this.stream;
        this.writePacket({ cmd: 'publish', topic: record.topic, payload: record.payload, qos: record.opts.qos ?? 0, retain: record.opts.retain ?? false, messageId: record.messageId, dup: true });
      }
      this.withheldConnect = { packet, stream: this.stream as FakeStream };
      return packet;
    }
    this.emit('connect', packet);
    return packet;
  }

  /** True between a CONNACK and its `connect`, while re-sent publishes wait for their acknowledgement. */
  get replaying(): boolean {
    return this.withheldConnect !== undefined;
  }

  /** The broker refuses the CONNECT with a return code (3.1.1) or reason code (5), MQTT 5 properties optional. */
  refuse(code: number, properties?: Record<string, unknown>): void {
    if (!this.awaitingConnack) throw new Error('fake-mqtt: refuse() with no socket waiting for a CONNACK');
    this.emit('packetreceive', { cmd: 'connack', returnCode: code, reasonCode: code, ...(properties ? { properties } : {}) });
    const stream = this.stream as FakeStream;
    stream.destroy();
    this.emit('error', Object.assign(new Error(`Connection refused: ${code}`), { code }));
  }

  /** The network breaks the socket. */
  dropSocket(): void {
    this.stream?.destroy();
  }

  /** The broker sends DISCONNECT (MQTT 5) and closes the socket. */
  serverDisconnect(reasonCode: number, properties?: Record<string, unknown>): void {
    const packet: Record<string, unknown> = { cmd: 'disconnect', reasonCode };
    if (properties) packet['properties'] = properties;
    this.emit('packetreceive', packet);
    this.emit('disconnect', packet);
    this.stream?.destroy();
  }

  /** Completes QoS 1/2 publishes (all pending, or the one with this message id), optionally with a failure reason code. */
  ack(target: number | 'all' = 'all', reasonCode = 0): number {
    let count = 0;
    for (const record of this.publishes) {
      if (record.status !== 'pending' || record.messageId === undefined) continue;
      if (target !== 'all' && record.messageId !== target) continue;
      record.status = 'done';
      count++;
      if (reasonCode >= 0x80) record.cb?.(Object.assign(new Error(`Publish error: ${reasonCode}`), { code: reasonCode }), { cmd: 'puback', reasonCode });
      else record.cb?.(undefined, { cmd: 'puback', messageId: record.messageId });
    }
    const withheld = this.withheldConnect;
    if (withheld && this.unacked.length === 0 && withheld.stream === this.stream && !withheld.stream.destroyed) {
      this.withheldConnect = undefined;
      this.emit('connect', withheld.packet);
    }
    return count;
  }

  /** QoS 1/2 publishes handed over and not yet acknowledged. */
  get unacked(): PublishRecord[] {
    return this.publishes.filter((p) => p.status === 'pending' && p.messageId !== undefined);
  }

  /** Completes QoS 0 writes held by `holdQos0`. */
  writeQos0(): void {
    for (const record of this.publishes) {
      if (record.status === 'pending' && record.messageId === undefined && record.stream && !record.stream.destroyed) {
        record.status = 'done';
        record.cb?.();
      }
    }
  }

  /** Sends the SUBACK of pending SUBSCRIBEs (manual mode), with optional codes per filter. */
  suback(codes: Record<string, number> = {}): void {
    for (const record of this.subscribes) {
      if (record.status === 'pending' && record.stream && !record.stream.destroyed) this.subackRecord(record, codes);
    }
  }

  /** The broker delivers a PUBLISH. */
  deliver(topic: string, payload: Uint8Array | string, packet: Record<string, unknown> = {}): Record<string, unknown> {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const full: Record<string, unknown> = { cmd: 'publish', topic, payload: bytes, qos: 0, retain: false, dup: false, ...packet };
    this.emit('packetreceive', full);
    this.emit('message', topic, full['payload'], full);
    return full;
  }

  /** Delivers the `close` of streams destroyed in 'manual' mode. */
  flushCloses(): void {
    const streams = this.pendingCloses.splice(0);
    for (const stream of streams) this.closeStream(stream);
  }

  /** The subscription identifier the client last sent for `filter` (MQTT 5), if any. */
  subscriptionIdOf(filter: string): number | undefined {
    for (let i = this.subscribes.length - 1; i >= 0; i--) {
      const record = this.subscribes[i] as SubscribeRecord;
      if (filter in record.map) return record.properties?.['subscriptionIdentifier'] as number | undefined;
    }
    return undefined;
  }

  /** Every SUBSCRIBE sent on the wire, as lists of filters. */
  get subscribedFilters(): string[][] {
    return this.subscribes.map((s) => Object.keys(s.map));
  }

  /** Every UNSUBSCRIBE sent, flattened. */
  get unsubscribedFilters(): string[] {
    return this.unsubscribes.flatMap((u) => ([] as string[]).concat(u.topic));
  }

  /** Called by FakeStream: MQTT.js's own close handling, then the stream's other listeners. */
  closeStream(stream: FakeStream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.destroyed = true;
    stream.emit('close');
  }

  // ---- internals ---------------------------------------------------------------------------

  private open(kind: ConnectRecord['kind']): void {
    const stream = new FakeStream(this, ++this.streams);
    this.stream = stream;
    const watcher = (this.watcher = this.watchSocket?.());
    if (watcher && this.socketsOpen) queueMicrotask(() => this.stream === stream && !stream.destroyed && watcher.opened());
    this.connected = false;
    this.disconnecting = false;
    // MQTT.js attaches its own close handler first: it runs before webmqtt's `stream.once('close')`.
    stream.on('close', () => this.onStreamClose(stream));
    const transform = this.options['transformWsUrl'] as ((url: string, options: unknown, client: unknown) => string) | undefined;
    const url = transform ? transform(this.url, this.options, this) : this.url;
    const record: ConnectRecord = {
      kind,
      url,
      username: this.options['username'],
      password: this.options['password'],
      protocolVersion: this.options['protocolVersion'],
      clean: this.options['clean'],
      stream,
    };
    this.connects.push(record);
    this.writePacket({
      cmd: 'connect',
      protocolVersion: record.protocolVersion,
      clean: record.clean,
      clientId: this.options['clientId'],
      keepalive: this.options['keepalive'],
      username: record.username,
      password: record.password,
      properties: this.options['properties'],
      will: this.options['will'],
    });
  }

  private onStreamClose(stream: FakeStream): void {
    if (this.stream !== stream) return;
    this.withheldConnect = undefined;
    // _flushVolatile(): SUBSCRIBE / UNSUBSCRIBE callbacks fail while `connected` is still true.
    for (const record of this.subscribes) {
      if (record.status === 'pending' && record.stream === stream) {
        record.status = 'done';
        const subs = Object.entries(record.map).map(([topic, o]) => ({ topic, ...o }));
        record.cb?.(new Error('Connection closed'), subs, undefined);
      }
    }
    for (const record of this.unsubscribes) {
      if (record.status === 'pending' && record.stream === stream) {
        record.status = 'done';
        record.cb?.(new Error('Connection closed'));
      }
    }
    // A QoS 0 write waiting for `drain` on a dead stream never calls back.
    for (const record of this.publishes) {
      if (record.status === 'pending' && record.messageId === undefined && record.stream === stream) record.status = 'lost';
    }
    // MQTT.js's own 'close' listener (registered first) clears `connected` before anyone else hears it.
    this.connected = false;
    this.emit('close');
  }

  private subackRecord(record: SubscribeRecord, codes: Record<string, number> = {}): void {
    if (record.status !== 'pending') return;
    if (record.stream && record.stream.destroyed) return;
    record.status = 'done';
    const subs = Object.entries(record.map).map(([topic, o]) => ({ topic, ...o }));
    const granted = subs.map((s) => codes[s.topic] ?? this.subackCodes[s.topic] ?? s.qos);
    const packet = { cmd: 'suback', messageId: record.messageId, granted };
    this.emit('packetreceive', packet);
    const failure = granted.find((code) => (code & 0x80) !== 0);
    if (failure !== undefined) {
      // MQTT.js rejects before copying the granted codes into `subs`.
      record.cb?.(Object.assign(new Error(`Subscribe error: ${SUBACK_TEXT[failure] ?? failure}`), { code: failure }), subs, packet);
      return;
    }
    granted.forEach((code, i) => {
      (subs[i] as { qos: number }).qos = code;
    });
    record.cb?.(null, subs, packet);
  }

  private writePacket(packet: Record<string, unknown>): void {
    this.sentPackets.push(packet);
    this.emit('packetsend', packet);
  }
}

/** A factory for the `mqttFactory` option that remembers what it made. */
export function fakeFactory(setup?: (fake: FakeMqtt) => void): { factory: MqttFactory; created: FakeMqtt[]; readonly fake: FakeMqtt } {
  const created: FakeMqtt[] = [];
  const factory = ((url: string, options: Record<string, unknown>, context?: MqttFactoryContext) => {
    const fake = new FakeMqtt(url, options);
    fake.watchSocket = context?.socket;
    setup?.(fake);
    created.push(fake);
    return fake;
  }) as unknown as MqttFactory;
  return {
    factory,
    created,
    get fake(): FakeMqtt {
      const fake = created[created.length - 1];
      if (!fake) throw new Error('fake-mqtt: the client has not created an MQTT.js client yet');
      return fake;
    },
  };
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that only moves when the test says so. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(id, { id, at: this.time + delay, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Timers set and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Delays of the pending timers from now, soonest first. */
  get pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, running due timers in order (synchronously). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }

  /**
   * Like `advance`, but lets promises settle after every timer, so async work a timer starts
   * (token providers, reconnect attempts) runs at the time it would in real life.
   */
  async tick(ms: number): Promise<void> {
    const target = this.time + ms;
    await flush();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.time = next.at;
      next.fn();
      await flush();
    }
    this.time = target;
    await flush();
  }

  private nextDue(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at > target) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id)) best = timer;
    }
    return best;
  }
}

/** Lets every pending promise chain run (a few macrotask turns; no wall-clock wait). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Browser online/offline/visibility as the test plays it. */
export class FakeBrowserSignals implements BrowserSignals {
  online = true;
  private readonly listeners = new Set<{ fn: (signal: BrowserSignal) => void }>();
  listenCalls = 0;

  isOnline(): boolean {
    return this.online;
  }

  listen(fn: (signal: BrowserSignal) => void): () => void {
    this.listenCalls++;
    const entry = { fn };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Listeners currently attached. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(signal: BrowserSignal): void {
    if (signal === 'offline') this.online = false;
    if (signal === 'online') this.online = true;
    for (const entry of [...this.listeners]) entry.fn(signal);
  }
}

export { seededRandom } from './random';

/** A JWT-shaped token (unsigned) with the given claims. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}
