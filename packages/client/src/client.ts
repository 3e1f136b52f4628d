import { EventEmitter } from 'eventemitter3';
import { schedulingClock, systemClock } from './core/clock';
import { ErrorCode, WebMqttError, isWebMqttError } from './core/errors';
import type { ClientEvents, ClientRole } from './core/events';
import type { Message } from './messaging/message';
import type { MessagesOptions } from './messaging/message-stream';
import { normalizeOptions, optionError, type ClientOptions, type NormalizedOptions } from './core/options';
import { encodePayload } from './messaging/payload';
import type { PublishOptions } from './messaging/publisher';
import type { Requests, RequestOptions, Responder, ResponderHandler } from './messaging/requests';
import type { ConnectionState } from './core/state-machine';
import type { MessageHandler, SubscribeOptions, Subscription } from './messaging/subscriptions';
import { validateTopicFilter, validateTopicName } from './messaging/topic';
import { failedError, refusal, type Link, type LinkEmit } from './link/link';
import { LocalLink } from './link/local-link';
import { DeferredLink } from './link/deferred-link';
import { browserCanShare } from './platform/tab-support';
import { createMessage } from './messaging/message';
import { nextTurn } from './core/next-turn';

const QOS_VALUES: readonly unknown[] = [0, 1, 2];

/**
 * eventemitter3's type for the listener of `E`: the same function as `ClientEvents[E]`, but TypeScript cannot see that
 * while `E` is generic (the library maps the interface through a conditional type), so on/once/off cast to it, and
 * emit() passes its payload `as never`: a rest parameter typed `EventEmitter.EventArgs` would need no cast but costs an
 * array per emit and bytes in every bundle. emit()'s own signature checks every payload against ClientEvents, and with
 * a literal name (`listenerCount('packet')`) the emitter checks the name itself. (Comments here, not in the method
 * bodies, are erased with the type: the built JS stays as it was.)
 */
type EmitterListener<E extends keyof ClientEvents> = EventEmitter.EventListener<ClientEvents, E>;

function reject<T>(error: WebMqttError): Promise<T> {
  return Promise.reject(error);
}

/**
 * An MQTT-over-WebSocket client with its own reconnect, token and queue layers.
 * Create one with {@link createClient}.
 */
export class WebMqttClient {
  readonly #emitter = new EventEmitter<ClientEvents>();
  readonly #opts: NormalizedOptions;
  /** Where the connection lives: in this tab, or (shareAcrossTabs) in the leader tab of a group. */
  private readonly link: Link;
  /** request()/respond() code, loaded on first use (see the loader below); unset until then. */
  #requests: Requests | undefined;
  #requestsLoading: Promise<Requests> | undefined;

  constructor(options: ClientOptions) {
    this.#opts = normalizeOptions(options);
    const emit: LinkEmit = (event, payload) => {
      // A client that gave up: pending requests end with the failure, as publishes and subscribes do.
      if (event === 'state') {
        const change = payload as Parameters<ClientEvents['state']>[0];
        if (change.current === 'failed' && change.reason) this.#requests?.rejectAll(failedError(change.reason));
      }
      this.#emitter.emit(event, payload as never);
    };
    this.link = linkFor(this.#opts, emit);
  }

  /** Where the client is in its life; see the `state` event. */
  get state(): ConnectionState {
    return this.link.state;
  }

  /** The MQTT client identifier in use. */
  get clientId(): string {
    return this.#opts.clientId;
  }

  /** The MQTT protocol version spoken (or to be tried next): 5, or 4 for 3.1.1. */
  get protocolVersion(): 4 | 5 {
    return this.link.protocolVersion;
  }

  /** Whether this client holds its connection (`'solo'`, `'leader'`) or relays through another tab's (`'follower'`). */
  get role(): ClientRole {
    return this.link.role;
  }

  /** Messages accepted but not yet sent (offline queue plus flow control). */
  get queued(): {
    /** How many publishes are waiting. */
    size: number;
    /** Bytes they hold, counting each one's payload bytes plus its topic's length. */
    bytes: number;
  } {
    return this.link.queued;
  }

  /**
   * Listens to an event; returns a function that removes the listener.
   * @example
   * ```ts
   * const off = client.on('message', (msg) => console.log(msg.topic, msg.text()));
   * ```
   */
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    checkListener(event, listener);
    this.#emitter.on(event, listener as EmitterListener<E>);
    this.#listenersChanged(event);
    return () => this.off(event, listener);
  }

  /** Like {@link on}, for one call only. */
  once<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    checkListener(event, listener);
    this.#emitter.once(event, listener as EmitterListener<E>);
    this.#listenersChanged(event);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void {
    checkListener(event, listener);
    this.#emitter.off(event, listener as EmitterListener<E>);
    this.#listenersChanged(event);
  }

  /** Opens the connection. Resolves on the first CONNACK; rejects with a WebMqttError when the client fails or is closed. */
  connect(): Promise<void> {
    return this.link.connect();
  }

  /**
   * Publishes a message. Resolves when the QoS flow completes (QoS 0: when written).
   * While not connected the message waits in the offline queue and resolves after delivery.
   */
  publish(topic: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<void> {
    const topicError = validateTopicName(topic);
    if (topicError) return reject(topicError);
    const bytes = encodePayload(payload);
    if (bytes instanceof WebMqttError) return reject(bytes);
    if (typeof options !== 'object' || options === null) return reject(optionError('publish options', 'an object such as { qos: 1 }'));
    const qos = options.qos ?? 0;
    if (!QOS_VALUES.includes(qos)) return reject(optionError('qos', '0, 1 or 2', qos));
    if (options.retain !== undefined && typeof options.retain !== 'boolean') return reject(optionError('retain', 'true or false', options.retain));
    const closed = this.#rejectWhenUnusable();
    if (closed) return reject(closed);
    return this.link.publish({ topic, payload: bytes, qos, retain: options.retain ?? false, properties: options.properties });
  }

  /**
   * Subscribes `handler` to `filter` (wildcards `+` and `#`). The handler gets only messages matching this filter.
   * Several subscriptions to one filter share one SUBSCRIBE on the wire.
   * @example
   * ```ts
   * const sub = await client.subscribe('sensors/+/temperature', (msg) => console.log(msg.json()), { qos: 1 });
   * await sub.unsubscribe();
   * ```
   */
  subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    const filterError = validateTopicFilter(filter);
    if (filterError) return reject(filterError);
    if (typeof handler !== 'function') return reject(optionError('handler', 'a function (message) => void', handler));
    if (typeof options !== 'object' || options === null) return reject(optionError('subscribe options', 'an object such as { qos: 1 }'));
    if (options.qos !== undefined && !QOS_VALUES.includes(options.qos)) return reject(optionError('qos', '0, 1 or 2', options.qos));
    const closed = this.#rejectWhenUnusable();
    if (closed) return reject(closed);
    return this.link.subscribe(filter, handler, options);
  }

  /**
   * Messages matching `filter` as an async iterator; ends (and unsubscribes) on `break` or when `signal` aborts.
   * @example
   * ```ts
   * for await (const msg of client.messages('sensors/#', { signal })) console.log(msg.topic);
   * ```
   */
  messages(filter: string, options: MessagesOptions = {}): AsyncIterableIterator<Message> {
    // Never throws: bad options surface as a rejected next(), like every other call.
    const safe = typeof options === 'object' && options !== null ? options : {};
    const subscribe = (handler: (message: Message) => void): Promise<Subscription> =>
      safe === options ? this.subscribe(filter, handler, options) : reject(optionError('messages options', 'an object such as { qos: 1, signal }', options));
    // The stream's code is a chunk of its own, loaded now (the subscription starts at once, as before) by apps
    // that iterate; calls made while it loads run in order once it is there.
    const stream = import('./messaging/message-stream').then((m) => m.messageStream(subscribe, safe));
    const iterator: AsyncIterableIterator<Message> = {
      next: () => stream.then((s) => s.next()),
      return: () => stream.then((s) => s.return!(), () => ({ value: undefined, done: true as const })),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** MQTT 5 request/response: publishes with a response topic and correlation data, resolves with the reply. */
  request(topic: string, payload: string | Uint8Array, options: RequestOptions = {}): Promise<Message> {
    const topicError = validateTopicName(topic);
    if (topicError) return reject(topicError);
    if (typeof options !== 'object' || options === null) return reject(optionError('request options', 'an object such as { timeoutMs: 5000 }', options));
    const closed = this.#rejectWhenUnusable();
    if (closed) return reject(closed);
    return this.#loadRequests().then((requests) => requests.request(topic, payload, options));
  }

  /** Answers requests on `filter`: the handler's return value is published to each request's response topic. */
  respond(filter: string, handler: ResponderHandler, options: SubscribeOptions = {}): Promise<Responder> {
    return this.#loadRequests().then((requests) => requests.respond(filter, handler, options));
  }

  /** Sends DISCONNECT (no will), rejects whatever is still queued with CLIENT_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.link.state === 'closed') return;
    this.#requests?.rejectAll(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'The client was closed before this completed.'));
    await this.link.close();
  }

  /** Breaks the socket as a network failure would; the client then reconnects on its own (demo, tests). */
  simulateConnectionLoss(): void {
    this.link.dropSocket();
  }

  /**
   * request()/respond() live in a chunk of their own (a dynamic import), so an app that never calls them never
   * downloads them. A failed load (e.g. the chunk went away with a redeploy) is not cached: the next call retries.
   */
  #loadRequests(): Promise<Requests> {
    this.#requestsLoading ??= import('./messaging/requests').then(
      (m) => (this.#requests = new m.Requests(this, this.#opts.clock ?? systemClock)),
      (error: unknown) => {
        this.#requestsLoading = undefined;
        throw error;
      },
    );
    return this.#requestsLoading;
  }

  #rejectWhenUnusable(): WebMqttError | undefined {
    return refusal(this.link.state, this.link.lastFailure);
  }

  /** Packet tracing costs a copy per packet: the link traces only while someone listens. */
  #listenersChanged(event: keyof ClientEvents): void {
    if (event === 'packet') this.link.tracePackets(this.#emitter.listenerCount('packet') > 0);
  }
}

/** The injected clock's next turn, for the tab relay. */
function leaderTurn(opts: NormalizedOptions): (fn: () => void) => void {
  const turn = nextTurn(opts.clock ?? systemClock);
  return (fn) => void turn(fn);
}

/** The link for these options: a shared one with `shareAcrossTabs` where the browser can share, this tab's otherwise. */
function linkFor(opts: NormalizedOptions, emit: LinkEmit): Link {
  const share = opts.shareAcrossTabs && opts.tabPlatform !== null && (opts.tabPlatform !== undefined || browserCanShare());
  if (!share) return new LocalLink(opts, emit);
  // The relay is a chunk of its own; should it fail to load (a redeploy removed it), the tab connects alone.
  return new DeferredLink(
    import('./tabs/shared-link').then(
      (m) => new m.SharedLink(opts, emit, { connection: (o, e) => new LocalLink(o, e, 'leader'), message: (wire) => createMessage(wire), later: leaderTurn(opts), soon: schedulingClock(opts.clock ?? systemClock).queueMicrotask }),
      () => new LocalLink(opts, emit),
    ),
  );
}

/** The client's events; anything else passed to on/once/off is a mistake worth naming (MQTT.js's names above all). */
const EVENTS: readonly string[] = ['state', 'connect', 'message', 'error', 'queue', 'packet', 'role'];

/** Throws INVALID_OPTIONS for an event the client never emits or a listener that is not a function. */
function checkListener(event: unknown, listener: unknown): void {
  if (!EVENTS.includes(event as string)) {
    throw optionError('event', `one of ${EVENTS.join(', ')} (MQTT.js's reconnect, close and offline are 'state'; packetsend and packetreceive are 'packet')`, event);
  }
  if (typeof listener !== 'function') throw optionError('listener', 'a function', listener);
}

/**
 * Creates a client. Options are validated here: a bad option throws a WebMqttError `INVALID_OPTIONS`
 * naming it. Nothing is sent until `connect()`.
 * @example
 * ```ts
 * const client = createClient({ url: 'wss://broker.example.com:8085/mqtt', auth: { token: () => getJwt() } });
 * await client.connect();
 * await client.subscribe('sensors/temperature', (msg) => console.log(msg.text()));
 * await client.publish('sensors/temperature', 'Hello World', { qos: 1 });
 * ```
 */
export function createClient(options: ClientOptions): WebMqttClient {
  return new WebMqttClient(options);
}

export { isWebMqttError };
