import type { MqttClient } from 'mqtt';
import { ErrorCode, WebMqttError } from '../core/errors';
import type { Message } from './message';
import type { QoS } from '../core/options';
import { Router } from './router';
import { SubscriptionRegistry, higherQos } from './subscription-registry';

/** Options of `client.subscribe()`. */
export interface SubscribeOptions {
  /** The maximum QoS to receive messages with. Default 0. */
  qos?: QoS | undefined;
  /** MQTT 5 No Local: do not receive this client's own publishes. */
  nl?: boolean | undefined;
  /** MQTT 5 Retain As Published. */
  rap?: boolean | undefined;
  /** MQTT 5 Retain Handling: 0 send retained, 1 only for a new subscription, 2 never. */
  rh?: 0 | 1 | 2 | undefined;
}

/** A handler receives only messages matching its own filter. */
export type MessageHandler = (message: Message) => void;

/** What `subscribe()` resolves to. */
export interface Subscription {
  /** The topic filter this subscription was made with. */
  readonly filter: string;
  /** Idempotent. The UNSUBSCRIBE goes out when the last subscription to this filter goes. */
  unsubscribe(): Promise<void>;
}

interface WireOptions {
  qos: QoS;
  nl?: boolean;
  rap?: boolean;
  rh?: 0 | 1 | 2;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: WebMqttError): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: WebMqttError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may never await it (a second subscriber to the same filter): no unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** The one key of MQTT.js's `subscribe({ [filter]: options })` that is not a filter to it (see sendSubscribePacket). */
const MQTTJS_FLAG = 'resubscribe';

/**
 * Subscriptions as the user sees them (many handlers per filter) mapped onto the wire
 * (one SUBSCRIBE per filter, resent after a reconnect the broker did not keep).
 */
export class Subscriptions {
  // #private: #mqtt reaches MQTT.js's options.password, which inspecting or serializing the client must not; the
  // rest are #private too (the minifier shortens them), but the router: bench/suites/router.mjs measures it in place.
  /** A subscribe asking for a higher QoS than the filter's SUBSCRIBE had sends another. */
  readonly #registry = new SubscriptionRegistry<WireOptions>(higherQos);
  private readonly router = new Router<MessageHandler>();
  /** Filters the broker holds in the current session. */
  readonly #confirmed = new Set<string>();
  /** A SUBSCRIBE not yet acknowledged, per filter. */
  readonly #pending = new Map<string, Deferred>();
  #mqtt: MqttClient | undefined;
  #connected = false;
  /**
   * MQTT 5 subscription identifiers: a broker sends one copy of a message per matching
   * subscription, each tagged with that subscription's id, so each handler gets each message once.
   */
  #useIds = false;
  #nextId = 1;
  readonly #idByFilter = new Map<string, number>();
  readonly #filterById = new Map<number, string>();
  readonly #handlersByFilter = new Map<string, MessageHandler[]>();
  /** Filters dropped while disconnected that a resumed session may still hold. */
  readonly #unsubscribeLater = new Set<string>();

  readonly #onHandlerError: (error: unknown, message: Message) => void;

  constructor(onHandlerError: (error: unknown, message: Message) => void) {
    this.#onHandlerError = onHandlerError;
  }

  async subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const wire: WireOptions = { qos: options.qos ?? 0 };
    if (options.nl !== undefined) wire.nl = options.nl;
    if (options.rap !== undefined) wire.rap = options.rap;
    if (options.rh !== undefined) wire.rh = options.rh;
    const { first, upgrade } = this.#registry.acquire(filter, wire) as { first: boolean; upgrade?: boolean };
    const removeRouterEntry = this.router.add(filter, handler);
    this.#addHandler(filter, handler);
    const removeRoute = (): void => {
      removeRouterEntry();
      this.#removeHandler(filter, handler);
    };
    let done = false;
    const subscription: Subscription = {
      filter,
      unsubscribe: async () => {
        if (done) return;
        done = true;
        removeRoute();
        if (this.#registry.release(filter).last) await this.#sendUnsubscribe(filter);
      },
    };
    this.#unsubscribeLater.delete(filter);
    if (first || upgrade) {
      this.#confirmed.delete(filter);
      const waiter = this.#pending.get(filter) ?? deferred();
      this.#pending.set(filter, waiter);
      if (this.#connected) this.#sendSubscribe([filter]);
    }
    const waiting = this.#pending.get(filter);
    if (waiting) {
      try {
        await waiting.promise;
      } catch (error) {
        done = true;
        removeRoute();
        throw error;
      }
    }
    return subscription;
  }

  /** After CONNACK: send every live filter the broker does not hold, in one SUBSCRIBE. */
  onConnected(mqtt: MqttClient, sessionPresent: boolean, subscriptionIds: boolean): void {
    this.#mqtt = mqtt;
    this.#connected = true;
    this.#useIds = subscriptionIds;
    if (!sessionPresent) this.#confirmed.clear();
    const stale = [...this.#unsubscribeLater].filter((f) => !this.#registry.has(f));
    this.#unsubscribeLater.clear();
    if (sessionPresent && stale.length > 0) mqtt.unsubscribe(stale);
    const missing = this.#registry.entries().map((e) => e.filter).filter((f) => !this.#confirmed.has(f));
    if (missing.length > 0) this.#sendSubscribe(missing);
  }

  onDisconnected(): void {
    this.#connected = false;
  }

  /** Every handler whose filter matches gets the message once. */
  dispatch(message: Message): void {
    const ids = message.properties?.['subscriptionIdentifier'];
    const handlers = this.#useIds && ids !== undefined ? this.#handlersForIds(ids) : this.router.match(message.topic);
    for (const handler of handlers) {
      try {
        handler(message);
      } catch (error) {
        this.#onHandlerError(error, message);
      }
    }
  }

  /** The copy of a message tagged with these ids belongs to those subscriptions' handlers only. */
  #handlersForIds(ids: unknown): MessageHandler[] {
    const list = Array.isArray(ids) ? ids : [ids];
    const out: MessageHandler[] = [];
    for (const id of list) {
      const filter = this.#filterById.get(id as number);
      const handlers = filter === undefined ? undefined : this.#handlersByFilter.get(filter);
      if (handlers) out.push(...handlers);
    }
    return out;
  }

  #addHandler(filter: string, handler: MessageHandler): void {
    const list = this.#handlersByFilter.get(filter);
    if (list) list.push(handler);
    else this.#handlersByFilter.set(filter, [handler]);
  }

  #removeHandler(filter: string, handler: MessageHandler): void {
    const list = this.#handlersByFilter.get(filter);
    if (!list) return;
    const at = list.indexOf(handler);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.#handlersByFilter.delete(filter);
  }

  #idFor(filter: string): number {
    let id = this.#idByFilter.get(filter);
    if (id === undefined) {
      id = this.#nextId;
      // Identifiers run from 1 to 268,435,455 (a variable byte integer); wrap long before that matters.
      this.#nextId = this.#nextId >= 268_435_455 ? 1 : this.#nextId + 1;
      this.#idByFilter.set(filter, id);
      this.#filterById.set(id, filter);
    }
    return id;
  }

  #forgetId(filter: string): void {
    const id = this.#idByFilter.get(filter);
    if (id === undefined) return;
    this.#idByFilter.delete(filter);
    this.#filterById.delete(id);
  }

  rejectPending(error: WebMqttError): void {
    for (const [filter, waiter] of this.#pending) {
      this.#pending.delete(filter);
      waiter.reject(error);
    }
  }

  #sendSubscribe(filters: string[]): void {
    const mqtt = this.#mqtt;
    if (!mqtt) return;
    if (this.#useIds) {
      // One identifier per SUBSCRIBE packet: one packet per filter.
      for (const filter of filters) {
        const entry = this.#registry.get(filter);
        // A computed key in a literal is always an own property, `__proto__` included.
        if (entry) this.#sendSubscribePacket(mqtt, { [filter]: entry.options }, { properties: { subscriptionIdentifier: this.#idFor(filter) } });
      }
      return;
    }
    // No prototype: a filter is a user's string, and `map['__proto__'] = …` on a plain object would set the
    // prototype instead of adding a key: the SUBSCRIBE would go out without it, its promise never settled.
    const map = Object.create(null) as Record<string, WireOptions>;
    for (const filter of filters) {
      const entry = this.#registry.get(filter);
      if (entry) map[filter] = entry.options;
    }
    this.#sendSubscribePacket(mqtt, map, undefined);
  }

  /**
   * One SUBSCRIBE through MQTT.js's object form `{ [filter]: options }`, which MQTT.js reads back with Object.keys,
   * except for a filter spelt `resubscribe`: MQTT.js takes that key as its own flag and deletes it, so it goes in
   * the array form (one filter, its options as the call's), which no filter name can collide with.
   */
  #sendSubscribePacket(mqtt: MqttClient, map: Record<string, WireOptions>, extra: { properties: Record<string, unknown> } | undefined): void {
    const flag = map[MQTTJS_FLAG];
    if (flag) {
      delete map[MQTTJS_FLAG];
      this.#sendSubscribeCall(mqtt, [MQTTJS_FLAG], { ...flag, ...extra });
      if (Object.keys(map).length === 0) return;
    }
    this.#sendSubscribeCall(mqtt, map, extra);
  }

  #sendSubscribeCall(mqtt: MqttClient, topics: Record<string, WireOptions> | string[], extra: Record<string, unknown> | undefined): void {
    const callback = (error: Error | null, subs?: Array<{ topic: string; qos: number }>, suback?: { granted?: number[] }): void => {
      if (!subs || (error && !suback?.granted)) {
        // The socket went away before the SUBACK: the filters stay pending and go out again after reconnect.
        return;
      }
      // On a refusal MQTT.js reports the SUBACK's reason codes only in the packet, not in `subs`.
      const granted = subs.map((sub, i) => ({ topic: sub.topic, qos: suback?.granted?.[i] ?? sub.qos }));
      for (const grant of granted) {
        const waiter = this.#pending.get(grant.topic);
        const code = grant.qos as number;
        if (code >= 0x80) {
          this.#pending.delete(grant.topic);
          this.#dropFilter(grant.topic);
          waiter?.reject(new WebMqttError(
            ErrorCode.SUBSCRIBE_REJECTED,
            `The broker rejected the subscription to "${grant.topic}" (reason code 0x${code.toString(16)}); check the filter and this client's permissions.`,
            { reasonCode: code, field: 'filter' },
          ));
          continue;
        }
        this.#confirmed.add(grant.topic);
        this.#pending.delete(grant.topic);
        waiter?.resolve();
      }
    };
    if (extra) mqtt.subscribe(topics as never, extra as never, callback as never);
    else mqtt.subscribe(topics as never, callback as never);
  }

  /** A rejected filter is forgotten; each waiting subscriber removes its own route when its promise rejects. */
  #dropFilter(filter: string): void {
    this.#forgetId(filter);
    while (this.#registry.has(filter)) this.#registry.release(filter);
  }

  async #sendUnsubscribe(filter: string): Promise<void> {
    const brokerHolds = this.#confirmed.delete(filter);
    this.#forgetId(filter);
    const waiter = this.#pending.get(filter);
    if (waiter) {
      this.#pending.delete(filter);
      waiter.reject(new WebMqttError(ErrorCode.ABORTED, `The subscription to "${filter}" was removed before the broker confirmed it.`));
    }
    const mqtt = this.#mqtt;
    if (!mqtt || !this.#connected) {
      // A persistent session still holds it: the UNSUBSCRIBE goes out once the session is back.
      if (brokerHolds) this.#unsubscribeLater.add(filter);
      return;
    }
    await new Promise<void>((resolve) => {
      mqtt.unsubscribe(filter, () => resolve());
    });
  }
}
