/**
 * A stand-in for WebMqttClient with the surface the hooks use (state, role, on, subscribe, publish, connect,
 * close), driven by the test. Subscriptions behave as the real client's do where the hooks depend on it:
 * - subscriptions to one filter share one SUBSCRIBE (`wire` records it once), unless one asks for a higher QoS;
 *   the UNSUBSCRIBE goes when the last subscription to the filter goes;
 * - `subscribe()` registers the handler at once and resolves when the SUBACK comes (`ack()`; already-acknowledged
 *   filters resolve on the next microtask); a handler gets only messages matching its filter;
 * - a bad filter rejects with INVALID_TOPIC, a closed client with CLIENT_CLOSED; nothing throws synchronously.
 */
import { ErrorCode, WebMqttError, matchTopic, type ClientEvents, type ClientRole, type ConnectionState, type Message, type MessageHandler, type PublishOptions, type StateChange, type Subscription, type WebMqttClient } from '@webmqtt/client';

interface Entry {
  handlers: Array<{ handler: MessageHandler }>;
  acked: boolean;
  waiters: Array<() => void>;
  qos: number;
}

export interface WireRecord {
  type: 'subscribe' | 'unsubscribe';
  filter: string;
  qos?: number;
}

export function textMessage(topic: string, text: string, extra: Partial<Message> = {}): Message {
  const payload = new TextEncoder().encode(text);
  return { topic, payload, qos: 0, retain: false, dup: false, text: () => text, json: <T>() => JSON.parse(text) as T, ...extra };
}

/** The rule the real client applies (topic.ts): `#` last and alone in its level, `+` alone in its level, no NUL. */
function badFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return true;
  const levels = filter.split('/');
  return levels.some((level, i) => (level.includes('#') && (level !== '#' || i !== levels.length - 1)) || (level.includes('+') && level !== '+'));
}

export class FakeClient {
  state: ConnectionState = 'idle';
  role: ClientRole = 'solo';
  readonly wire: WireRecord[] = [];
  readonly published: Array<{ topic: string; payload: string | Uint8Array; options: PublishOptions | undefined }> = [];
  /** What publish() does; the default resolves. */
  publishResult: () => Promise<void> = () => Promise.resolve();
  connectCalls = 0;
  closeCalls = 0;
  private readonly listeners = new Map<keyof ClientEvents, Set<(payload: never) => void>>();
  private readonly entries = new Map<string, Entry>();

  /** The fake, typed as what the provider takes (it has every member the hooks use). */
  get asClient(): WebMqttClient {
    return this as unknown as WebMqttClient;
  }

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  listenerCount(event: keyof ClientEvents): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emit<E extends keyof ClientEvents>(event: E, payload: Parameters<ClientEvents[E]>[0]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) (listener as (p: typeof payload) => void)(payload);
  }

  /** Moves to `current` and emits the `state` event as the client does. */
  setState(current: ConnectionState, extra: Omit<StateChange, 'previous' | 'current'> = {}): void {
    const previous = this.state;
    this.state = current;
    this.emit('state', { previous, current, ...extra });
  }

  setRole(role: ClientRole): void {
    this.role = role;
    this.emit('role', { role });
  }

  subscribe(filter: string, handler: MessageHandler, options: { qos?: 0 | 1 | 2 } = {}): Promise<Subscription> {
    if (typeof filter !== 'string' || badFilter(filter)) return Promise.reject(new WebMqttError(ErrorCode.INVALID_TOPIC, `Invalid topic filter "${String(filter)}".`));
    if (this.state === 'closed') return Promise.reject(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'closed'));
    let entry = this.entries.get(filter);
    if (!entry) {
      entry = { handlers: [], acked: false, waiters: [], qos: options.qos ?? 0 };
      this.entries.set(filter, entry);
      this.wire.push({ type: 'subscribe', filter, qos: entry.qos });
    } else if ((options.qos ?? 0) > entry.qos) {
      // A higher QoS on a live filter is a new SUBSCRIBE (the client's registry upgrades it).
      entry.qos = options.qos ?? 0;
      entry.acked = false;
      this.wire.push({ type: 'subscribe', filter, qos: entry.qos });
    }
    const record = { handler };
    entry.handlers.push(record);
    const owner = entry;
    let done = false;
    const subscription: Subscription = {
      filter,
      unsubscribe: async () => {
        if (done) return;
        done = true;
        owner.handlers.splice(owner.handlers.indexOf(record), 1);
        if (owner.handlers.length === 0 && this.entries.get(filter) === owner) {
          this.entries.delete(filter);
          this.wire.push({ type: 'unsubscribe', filter });
        }
      },
    };
    if (entry.acked) return Promise.resolve(subscription);
    return new Promise((resolve) => owner.waiters.push(() => resolve(subscription)));
  }

  /** The SUBACK for `filter` (every pending filter without one). */
  ack(filter?: string): void {
    for (const [f, entry] of this.entries) {
      if (filter !== undefined && f !== filter) continue;
      entry.acked = true;
      for (const resolve of entry.waiters.splice(0)) resolve();
    }
  }

  /** Handlers registered for exactly this filter (live or waiting for their SUBACK). */
  handlerCount(filter: string): number {
    return this.entries.get(filter)?.handlers.length ?? 0;
  }

  subscribeCount(filter?: string): number {
    return this.wire.filter((w) => w.type === 'subscribe' && (filter === undefined || w.filter === filter)).length;
  }

  /** A message from the broker: every handler whose filter matches gets it. */
  deliver(topic: string, text: string): Message {
    const message = textMessage(topic, text);
    for (const [filter, entry] of this.entries) {
      if (!matchTopic(filter, topic)) continue;
      for (const { handler } of [...entry.handlers]) handler(message);
    }
    this.emit('message', message);
    return message;
  }

  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void> {
    this.published.push({ topic, payload, options });
    return this.publishResult();
  }

  connect(): Promise<void> {
    this.connectCalls++;
    if (this.state === 'closed') return Promise.reject(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'closed'));
    if (this.state === 'idle') this.setState('connecting', { attempt: 1 });
    return new Promise(() => {});
  }

  close(): Promise<void> {
    this.closeCalls++;
    if (this.state !== 'closed') this.setState('closed');
    return Promise.resolve();
  }
}
