// Type tests for the public types users write against (STYLE.md, rule 13). Never executed: vitest's typecheck mode
// (vitest.config.ts) compiles this file with tsconfig.test.json and fails the test holding a wrong `expectTypeOf` or
// an unused `@ts-expect-error`; `npm run typecheck` compiles it too. Each `@ts-expect-error` sits on a one-line
// statement, so the error it absorbs is the one named in its comment and not some other mistake on the same line.
import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/index';
import type {
  ClientEvents,
  ClientOptions,
  ConnectionState,
  JitterMode,
  Message,
  MessageHandler,
  OverflowPolicy,
  PacketTrace,
  PublishOptions,
  QoS,
  QueueChange,
  StateChange,
  SubscribeOptions,
  Subscription,
  TokenPlacement,
  TokenReason,
  TokenResult,
  WebMqttClient,
  WebMqttError,
} from '../src/index';

declare const client: WebMqttClient;
const url = 'wss://broker.example.com:8085/mqtt';

describe('events: on(), once() and off() are checked against ClientEvents', () => {
  it('names exactly the documented events', () => {
    expectTypeOf<keyof ClientEvents>().toEqualTypeOf<'state' | 'connect' | 'message' | 'error' | 'queue' | 'packet' | 'role'>();
  });

  it('gives each on() listener the payload of its event', () => {
    client.on('state', (change) => expectTypeOf(change).toEqualTypeOf<StateChange>());
    client.on('connect', (info) => expectTypeOf(info).toEqualTypeOf<{ sessionPresent: boolean }>());
    client.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Message>());
    client.on('error', (error) => expectTypeOf(error).toEqualTypeOf<WebMqttError>());
    client.on('queue', (change) => expectTypeOf(change).toEqualTypeOf<QueueChange>());
    client.on('packet', (trace) => expectTypeOf(trace).toEqualTypeOf<PacketTrace>());
  });

  it('types once() exactly as on(), and off() with the same listeners', () => {
    expectTypeOf(client.once).toEqualTypeOf(client.on);
    expectTypeOf(client.off).parameters.toEqualTypeOf<Parameters<typeof client.on>>();
    client.once('message', (message) => expectTypeOf(message).toEqualTypeOf<Message>());
  });

  it('types the payload fields as the API documents them', () => {
    expectTypeOf<StateChange>().toEqualTypeOf<{
      previous: ConnectionState;
      current: ConnectionState;
      reason?: WebMqttError;
      attempt?: number;
      retryInMs?: number;
    }>();
    expectTypeOf<ConnectionState>().toEqualTypeOf<'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed' | 'failed'>();
    expectTypeOf<QueueChange>().toEqualTypeOf<{
      size: number; bytes: number; dropped?: number;
      restored?: number; quotaExceeded?: boolean; restoredSettled?: { delivered: number; failed: number };
    }>();
    expectTypeOf<PacketTrace['direction']>().toEqualTypeOf<'in' | 'out'>();
  });

  it('returns an unsubscribe function from on() and once()', () => {
    expectTypeOf(client.on('state', () => {})).toEqualTypeOf<() => void>();
    expectTypeOf(client.once('message', () => {})).toEqualTypeOf<() => void>();
    expectTypeOf(client.off('state', () => {})).toEqualTypeOf<void>();
  });

  it('accepts a listener that reads less than the payload has', () => {
    client.on('state', ({ current }: { current: ConnectionState }) => current);
    client.off('state', (_change: StateChange) => {});
  });

  it('rejects an unknown event name', () => {
    // @ts-expect-error 'connected' is a state, not an event ('connect' is)
    client.on('connected', () => {});
    // @ts-expect-error no such event
    client.once('nope', () => {});
    // @ts-expect-error no such event
    client.off('nope', () => {});
  });

  it("rejects a listener for another event's payload", () => {
    // @ts-expect-error a queue listener is not a state listener
    client.on('state', (change: QueueChange) => change.size);
    // @ts-expect-error a message listener is not an error listener
    client.once('error', (message: Message) => message.topic);
    // @ts-expect-error a state listener is not a message listener
    client.off('message', (change: StateChange) => change.current);
  });
});

describe('createClient() options: what compiles and what does not', () => {
  it('takes a url as a string, a list of nodes or a function, and nothing else is required', () => {
    expectTypeOf(createClient({ url })).toEqualTypeOf<WebMqttClient>();
    expectTypeOf(createClient).toBeCallableWith({ url: ['wss://a.example/mqtt', 'wss://b.example/mqtt'] });
    expectTypeOf(createClient).toBeCallableWith({ url: async () => url });
    expectTypeOf(createClient).toBeCallableWith({ url: () => url });
    // @ts-expect-error url is required
    createClient({ clientId: 'dashboard-42' });
    // @ts-expect-error a url is a string, not a URL object
    createClient({ url: new URL(url) });
  });

  it('compiles the documented example', () => {
    const options = {
      url,
      clientId: 'dashboard-42',
      protocolVersion: 'auto',
      clean: true,
      sessionExpiryInterval: 3600,
      keepalive: 30,
      connectTimeoutMs: 10_000,
      auth: {
        token: async ({ attempt, reason }) => {
          expectTypeOf(attempt).toEqualTypeOf<number>();
          expectTypeOf(reason).toEqualTypeOf<TokenReason>();
          return { token: 'jwt', expiresAt: Date.now() + 60_000 };
        },
        placement: 'password',
        username: 'dashboard',
        queryParam: 'access_token',
        refreshBeforeExpiryMs: 60_000,
      },
      reconnect: { initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, jitter: 'full', maxAttempts: Infinity, resetAfterMs: 10_000 },
      offlineQueue: { maxMessages: 1_000, maxBytes: 1_048_576, overflow: 'drop-oldest' },
      will: { topic: 'clients/dashboard-42/status', payload: 'offline', qos: 1, retain: true },
      browserEvents: true,
      logger: undefined,
      tls: undefined,
    } satisfies ClientOptions;
    expectTypeOf(createClient).toBeCallableWith(options);
    expectTypeOf(createClient).toBeCallableWith({ url, auth: { token: 'static-jwt' }, reconnect: false, offlineQueue: false });
  });

  it('types the option unions as the API documents them', () => {
    expectTypeOf<JitterMode>().toEqualTypeOf<'full' | 'equal' | 'decorrelated' | 'none'>();
    expectTypeOf<OverflowPolicy>().toEqualTypeOf<'drop-oldest' | 'drop-newest' | 'reject'>();
    expectTypeOf<TokenPlacement>().toEqualTypeOf<'password' | 'username' | 'query'>();
    expectTypeOf<TokenReason>().toEqualTypeOf<'initial' | 'reconnect' | 'rejected' | 'expiring'>();
    expectTypeOf<TokenResult>().toEqualTypeOf<string | { token: string; expiresAt?: number }>();
    expectTypeOf<QoS>().toEqualTypeOf<0 | 1 | 2>();
    expectTypeOf<ClientOptions['protocolVersion']>().toEqualTypeOf<'auto' | 4 | 5 | undefined>();
  });

  it('rejects values outside those unions', () => {
    // @ts-expect-error there is no QoS 3
    createClient({ url, will: { topic: 'status', payload: 'offline', qos: 3 } });
    // @ts-expect-error 'fully' is not a jitter mode
    createClient({ url, reconnect: { jitter: 'fully' } });
    // @ts-expect-error 'drop' is not an overflow policy
    createClient({ url, offlineQueue: { overflow: 'drop' } });
    // @ts-expect-error 'header' is not a token placement
    createClient({ url, auth: { token: 'jwt', placement: 'header' } });
    // @ts-expect-error MQTT 3.1 (protocol level 3) is not spoken
    createClient({ url, protocolVersion: 3 });
  });

  it('rejects values of the wrong type', () => {
    // @ts-expect-error a delay is a number of milliseconds, not a string
    createClient({ url, reconnect: { initialDelayMs: '1s' } });
    // @ts-expect-error a token provider returns a string or { token, expiresAt }, not a number
    createClient({ url, auth: { token: () => 42 } });
    // @ts-expect-error auth needs a token
    createClient({ url, auth: { placement: 'query' } });
    // @ts-expect-error the offline queue is an object or false
    createClient({ url, offlineQueue: 'off' });
  });

  it('rejects an unknown option key (as createClient() does at run time)', () => {
    // @ts-expect-error a misspelt option
    createClient({ url, keepAlive: 30 });
    // @ts-expect-error a misspelt reconnect option
    createClient({ url, reconnect: { maxDelay: 30_000 } });
  });
});

describe('publish() and subscribe()', () => {
  it('publishes a string or bytes with optional options, resolving to nothing', () => {
    expectTypeOf(client.publish).parameters.toEqualTypeOf<[topic: string, payload: string | Uint8Array, options?: PublishOptions]>();
    expectTypeOf(client.publish).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(client.publish).toBeCallableWith('sensors/temperature', 'Hello World', { qos: 1, retain: false, properties: { contentType: 'text/plain' } });
    expectTypeOf(client.publish).toBeCallableWith('sensors/temperature', new Uint8Array([1, 2]));
  });

  it('rejects a payload or options of the wrong type', () => {
    // @ts-expect-error a number is not a payload (encode it)
    void client.publish('sensors/temperature', 21.5);
    // @ts-expect-error an object is not a payload (JSON.stringify it)
    void client.publish('sensors/temperature', { celsius: 21.5 });
    // @ts-expect-error there is no QoS 3
    void client.publish('sensors/temperature', 'x', { qos: 3 });
    // @ts-expect-error retain is a boolean
    void client.publish('sensors/temperature', 'x', { retain: 'yes' });
  });

  it('subscribes a handler that gets a Message, resolving to a Subscription', () => {
    expectTypeOf(client.subscribe).parameters.toEqualTypeOf<[filter: string, handler: MessageHandler, options?: SubscribeOptions]>();
    expectTypeOf(client.subscribe).returns.toEqualTypeOf<Promise<Subscription>>();
    void client.subscribe('sensors/+/temperature', (message) => expectTypeOf(message).toEqualTypeOf<Message>(), { qos: 1 });
    expectTypeOf<Subscription['unsubscribe']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Subscription['filter']>().toEqualTypeOf<string>();
  });

  it('rejects a missing handler or a QoS outside 0..2', () => {
    // @ts-expect-error the handler is required
    void client.subscribe('sensors/#');
    // @ts-expect-error there is no QoS 3
    void client.subscribe('sensors/#', () => {}, { qos: 3 });
    // @ts-expect-error retain handling is 0, 1 or 2
    void client.subscribe('sensors/#', () => {}, { rh: 3 });
  });

  it('types what a message offers', () => {
    expectTypeOf<Message['payload']>().toEqualTypeOf<Uint8Array<ArrayBuffer>>();
    expectTypeOf<Message['qos']>().toEqualTypeOf<QoS>();
    expectTypeOf<Message['text']>().returns.toEqualTypeOf<string>();
    void client.subscribe('sensors/#', (message) => expectTypeOf(message.json<{ celsius: number }>()).toEqualTypeOf<{ celsius: number }>());
    void client.subscribe('sensors/#', (message) => expectTypeOf(message.json()).toEqualTypeOf<unknown>());
  });

  it('types messages() and request() as the API documents them', () => {
    expectTypeOf(client.messages('sensors/#', { signal: new AbortController().signal })).toEqualTypeOf<AsyncIterableIterator<Message>>();
    expectTypeOf(client.request('rpc/time', 'now', { timeoutMs: 5_000 })).toEqualTypeOf<Promise<Message>>();
  });
});
