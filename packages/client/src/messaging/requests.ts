// Only public exports of the package at run time: the chunk this module becomes then imports them from
// dist/index.mjs itself, so rollup keeps all the code in index.mjs (no facade re-exporting a core chunk).
import { ErrorCode, WebMqttError } from '../core/errors';
import type { Message } from './message';
import type { QoS } from '../core/options';
import type { MessageHandler, SubscribeOptions, Subscription } from './subscriptions';
import type { Clock } from '../core/clock';
import type { ConnectionState } from '../core/state-machine';
import type { PublishOptions } from './publisher';

/** What request/response needs of the client: its public publish and subscribe (so it works wherever they do). */
export interface RequestClient {
  readonly clientId: string;
  readonly state: ConnectionState;
  readonly protocolVersion: 4 | 5;
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>;
  subscribe(filter: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>;
}

/** Options of `client.request()`. */
export interface RequestOptions {
  /** Rejects with REQUEST_TIMEOUT after this long. Default 10 000. */
  timeoutMs?: number | undefined;
  /** Rejects with ABORTED when aborted. */
  signal?: AbortSignal | undefined;
  /** The QoS the request is published with. Default 1. */
  qos?: QoS | undefined;
  /** Extra MQTT 5 properties for the request (userProperties, contentType, …). */
  properties?: Record<string, unknown> | undefined;
}

/** What a responder handler returns: the reply payload. */
export type ResponderHandler = (request: Message) => string | Uint8Array | Promise<string | Uint8Array>;

/** What `respond()` resolves to. */
export interface Responder {
  /** The topic filter the responder answers requests on. */
  readonly filter: string;
  /** Stops answering: removes the responder's subscription. */
  unsubscribe(): Promise<void>;
}

interface Pending {
  resolve(message: Message): void;
  reject(error: WebMqttError): void;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/** MQTT 5 request/response on top of publish and subscribe: one reply topic per client, matched by correlation data. */
export class Requests {
  private readonly pending = new Map<string, Pending>();
  private inbox: Promise<Subscription> | undefined;
  private readonly replyTopic: string;

  constructor(
    private readonly client: RequestClient,
    private readonly clock: Clock,
  ) {
    this.replyTopic = `webmqtt/replies/${client.clientId}`;
  }

  async request(topic: string, payload: string | Uint8Array, options: RequestOptions = {}): Promise<Message> {
    if (options.signal?.aborted) throw new WebMqttError(ErrorCode.ABORTED, 'The request was aborted before it was sent.');
    if (this.client.state === 'connected' && this.client.protocolVersion !== 5) {
      throw new WebMqttError(ErrorCode.UNSUPPORTED_PROTOCOL, 'request() needs MQTT 5 (response topic and correlation data); this broker speaks 3.1.1.', { retryable: false });
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new WebMqttError(ErrorCode.INVALID_OPTIONS, `"timeoutMs" must be a positive number of milliseconds (got ${String(timeoutMs)}).`, { field: 'timeoutMs' });
    }
    await this.ensureInbox();
    const correlation = randomBytes(16);
    const key = hex(correlation);
    return new Promise<Message>((resolve, reject) => {
      const cleanup = (): void => {
        this.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(key);
      };
      const onAbort = (): void => {
        cleanup();
        reject(new WebMqttError(ErrorCode.ABORTED, `The request to "${topic}" was aborted.`));
      };
      const timer = this.clock.setTimeout(() => {
        cleanup();
        reject(new WebMqttError(ErrorCode.REQUEST_TIMEOUT, `No reply to the request on "${topic}" within ${timeoutMs} ms; is a responder subscribed?`));
      }, timeoutMs);
      options.signal?.addEventListener('abort', onAbort);
      this.pending.set(key, {
        resolve: (message) => {
          cleanup();
          resolve(message);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      });
      const properties = { ...options.properties, responseTopic: this.replyTopic, correlationData: correlation };
      this.client.publish(topic, payload, { qos: options.qos ?? 1, properties }).catch((error: WebMqttError) => this.pending.get(key)?.reject(error));
    });
  }

  async respond(filter: string, handler: ResponderHandler, options: SubscribeOptions): Promise<Responder> {
    if (typeof handler !== 'function') {
      throw new WebMqttError(ErrorCode.INVALID_OPTIONS, '"handler" must be a function (request) => reply.', { field: 'handler' });
    }
    const subscription = await this.client.subscribe(filter, (request) => {
      const responseTopic = request.properties?.['responseTopic'];
      if (typeof responseTopic !== 'string') return;
      const correlationData = request.properties?.['correlationData'];
      void Promise.resolve()
        .then(() => handler(request))
        .then((reply) => this.client.publish(responseTopic, reply, {
          qos: request.qos,
          properties: correlationData === undefined ? undefined : { correlationData },
        }))
        .catch(() => {
          // A failing handler sends no reply; the requester's timeout reports it.
        });
    }, options);
    return { filter, unsubscribe: () => subscription.unsubscribe() };
  }

  rejectAll(error: WebMqttError): void {
    for (const pending of [...this.pending.values()]) pending.reject(error);
  }

  private ensureInbox(): Promise<Subscription> {
    this.inbox ??= this.client.subscribe(this.replyTopic, (reply) => {
      const data = reply.properties?.['correlationData'];
      if (!(data instanceof Uint8Array)) return;
      this.pending.get(hex(data))?.resolve(reply);
    }, { qos: 1 });
    this.inbox.catch(() => {
      this.inbox = undefined;
    });
    return this.inbox;
  }
}
