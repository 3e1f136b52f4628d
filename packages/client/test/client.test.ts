import { describe, expect, it, vi } from 'vitest';
import { createClient } from '../src/client';
import { ErrorCode, isWebMqttError } from '../src/core/errors';
import { fakeFactory, flush } from './support/fake-mqtt';
import { harness, text, track } from './support/harness';
// The client loads request/respond and messages() code with dynamic imports; loaded here first, those resolve
// from the module cache within a flush() instead of waiting for a first transform of the file.
import '../src/messaging/requests';
import '../src/messaging/message-stream';

describe('createClient', () => {
  it('throws INVALID_OPTIONS synchronously for bad options', () => {
    expect(() => createClient({ url: 'mqtt://broker.example.com' })).toThrowError(expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS, field: 'url' }));
  });

  it('opens nothing until connect()', async () => {
    const h = harness();
    await flush();
    expect(h.factoryCalls).toBe(0);
    expect(h.signals.listenCalls).toBe(0);
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.client.state).toBe('idle');
  });

  it('exposes clientId and a generated one by default', () => {
    expect(harness().client.clientId).toBe('test-client');
    const { factory } = fakeFactory();
    const client = createClient({ url: 'wss://b.example.com/mqtt', mqttFactory: factory, browserSignals: null, random: () => 0 });
    expect(client.clientId).toBe('webmqtt_aaaaaaaaaaaa');
  });

  it('on() returns a function that removes the listener', async () => {
    const h = harness();
    const seen: string[] = [];
    const off = h.client.on('state', (s) => seen.push(s.current));
    void h.client.connect();
    await flush();
    off();
    h.fake.acceptConnack();
    await flush();
    expect(seen).toEqual(['connecting']);
  });

  it('once() hears one event only', async () => {
    const h = harness();
    const seen: string[] = [];
    h.client.once('state', (s) => seen.push(s.current));
    await h.connectNow();
    expect(seen).toEqual(['connecting']);
  });
});

describe('close()', () => {
  it('goes to closed, sends a graceful DISCONNECT (no will) and removes browser listeners', async () => {
    const h = harness();
    await h.connectNow();
    expect(h.signals.listenerCount).toBe(1);
    await h.client.close();
    expect(h.client.state).toBe('closed');
    expect(h.fake.ends).toEqual([{ force: false, opts: {} }]);
    expect(h.fake.sentPackets.at(-1)).toEqual({ cmd: 'disconnect' });
    expect(h.signals.listenerCount).toBe(0);
  });

  it('ends the socket abruptly when closed while not connected', async () => {
    const h = harness();
    void h.client.connect().catch(() => {});
    await flush();
    await h.client.close();
    expect(h.fake.ends).toEqual([{ force: true, opts: {} }]);
    expect(h.fake.sentPackets.some((p) => p['cmd'] === 'disconnect')).toBe(false);
  });

  it('leaves no timer behind when closed before any socket was opened', async () => {
    const h = harness();
    await h.client.close();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('cancels a scheduled retry', async () => {
    const h = harness();
    void h.client.connect().catch(() => {});
    await flush();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('reconnecting');
    void h.client.close();
    await h.clock.tick(60_000);
    expect(h.fake.connects).toHaveLength(1);
  });

  it('leaves no timer behind after closing a connected client', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.close();
    expect(h.clock.pendingTimers).toBe(0);
  });

  // The providerTimeoutMs timer of a provider still running must be cancelled by close().
  it('leaves no timer behind when closed while the token provider is still running', async () => {
    const h = harness({ auth: { token: () => new Promise<string>(() => {}) } });
    void h.client.connect().catch(() => {});
    await flush();
    await h.client.close();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('rejects a pending connect() with CLIENT_CLOSED', async () => {
    const h = harness();
    const done = track(h.client.connect());
    await flush();
    await h.client.close();
    expect(done.error?.code).toBe(ErrorCode.CLIENT_CLOSED);
  });

  it('rejects queued and in-flight publishes with CLIENT_CLOSED', async () => {
    const h = harness();
    await h.connectNow();
    const inFlight = track(h.client.publish('a/b', '1', { qos: 1 }));
    h.fake.dropSocket();
    await flush();
    const queued = track(h.client.publish('a/b', '2'));
    await h.client.close();
    await flush();
    expect(inFlight.error?.code).toBe(ErrorCode.CLIENT_CLOSED);
    expect(queued.error?.code).toBe(ErrorCode.CLIENT_CLOSED);
    expect(h.client.queued).toEqual({ size: 0, bytes: 0 });
  });

  it('rejects a subscribe() waiting for its SUBACK with CLIENT_CLOSED', async () => {
    const h = harness();
    const sub = track(h.client.subscribe('a/#', () => {}));
    await flush();
    await h.client.close();
    await flush();
    expect(sub.error?.code).toBe(ErrorCode.CLIENT_CLOSED);
  });

  it('is idempotent: a second close() resolves and changes nothing', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.close();
    const statesBefore = h.states.length;
    await expect(h.client.close()).resolves.toBeUndefined();
    expect(h.states.length).toBe(statesBefore);
    expect(h.fake.ends).toHaveLength(1);
  });

  it('ignores socket events that arrive after close', async () => {
    const h = harness();
    void h.client.connect().catch(() => {});
    await flush();
    const fake = h.fake;
    fake.closeMode = 'manual';
    const closing = h.client.close();
    fake.flushCloses();
    await closing;
    expect(h.client.state).toBe('closed');
    expect(h.states.at(-1)!.current).toBe('closed');
  });

  it.each([
    ['connect', (c: ReturnType<typeof harness>['client']) => c.connect()],
    ['publish', (c: ReturnType<typeof harness>['client']) => c.publish('a/b', 'x')],
    ['subscribe', (c: ReturnType<typeof harness>['client']) => c.subscribe('a/b', () => {})],
    ['request', (c: ReturnType<typeof harness>['client']) => c.request('a/b', 'x')],
    ['respond', (c: ReturnType<typeof harness>['client']) => c.respond('a/b', () => 'x')],
  ] as const)('after close, %s() returns a promise rejected with CLIENT_CLOSED (never throws)', async (_name, call) => {
    const h = harness();
    await h.connectNow();
    await h.client.close();
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = call(h.client);
    }).not.toThrow();
    await expect(result).rejects.toMatchObject({ code: ErrorCode.CLIENT_CLOSED });
  });

  // request()/respond()/messages() load their code with a dynamic import: a close() while it loads must still win.
  it.each([
    ['request', (c: ReturnType<typeof harness>['client']) => c.request('a/b', 'x')],
    ['respond', (c: ReturnType<typeof harness>['client']) => c.respond('a/b', () => 'x')],
    ['messages', (c: ReturnType<typeof harness>['client']) => c.messages('a/#').next()],
  ] as const)('%s() called just before close() rejects with CLIENT_CLOSED, not hangs', async (_name, call) => {
    const h = harness();
    await h.connectNow();
    const result = track(call(h.client) as Promise<unknown>);
    await h.client.close();
    await flush();
    expect(result.state).toBe('rejected');
    expect((result.error as { code?: string } | undefined)?.code).toBe(ErrorCode.CLIENT_CLOSED);
  });

  it('after close, messages() ends its loop with CLIENT_CLOSED', async () => {
    const h = harness();
    await h.client.close();
    const iterator = h.client.messages('a/#');
    await expect(iterator.next()).rejects.toMatchObject({ code: ErrorCode.CLIENT_CLOSED });
  });

  it('does not touch the MQTT.js client it owned after close', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.close();
    expect(h.fake.listenerCount('message')).toBe(0);
    expect(h.fake.listenerCount('connect')).toBe(0);
  });
});

describe('calls with bad input reject, never throw', () => {
  it.each([
    ['an invalid topic', (c: ReturnType<typeof harness>['client']) => c.publish('a/+', 'x'), ErrorCode.INVALID_TOPIC],
    ['an invalid payload', (c: ReturnType<typeof harness>['client']) => c.publish('a/b', { n: 1 } as never), ErrorCode.INVALID_PAYLOAD],
    ['qos 3', (c: ReturnType<typeof harness>['client']) => c.publish('a/b', 'x', { qos: 3 as never }), ErrorCode.INVALID_OPTIONS],
    ['retain "yes"', (c: ReturnType<typeof harness>['client']) => c.publish('a/b', 'x', { retain: 'yes' as never }), ErrorCode.INVALID_OPTIONS],
    ['null options', (c: ReturnType<typeof harness>['client']) => c.publish('a/b', 'x', null as never), ErrorCode.INVALID_OPTIONS],
    ['an invalid filter', (c: ReturnType<typeof harness>['client']) => c.subscribe('a/#/b', () => {}), ErrorCode.INVALID_TOPIC],
    ['a missing handler', (c: ReturnType<typeof harness>['client']) => c.subscribe('a/b', undefined as never), ErrorCode.INVALID_OPTIONS],
    ['subscribe qos 7', (c: ReturnType<typeof harness>['client']) => c.subscribe('a/b', () => {}, { qos: 7 as never }), ErrorCode.INVALID_OPTIONS],
    ['a request timeout of 0', (c: ReturnType<typeof harness>['client']) => c.request('a/b', 'x', { timeoutMs: 0 }), ErrorCode.INVALID_OPTIONS],
    ['a responder without handler', (c: ReturnType<typeof harness>['client']) => c.respond('a/b', 5 as never), ErrorCode.INVALID_OPTIONS],
  ] as const)('%s', async (_name, call, code) => {
    const h = harness();
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = call(h.client);
    }).not.toThrow();
    await expect(result).rejects.toSatisfy((e: unknown) => isWebMqttError(e) && e.code === code);
    expect(h.client.queued.size).toBe(0);
  });
});

describe('handlers and the error event', () => {
  it('emits HANDLER_FAILED for a throwing handler and still runs the other handlers', async () => {
    const h = harness();
    await h.connectNow();
    const boom = new Error('boom');
    const other = vi.fn();
    await h.client.subscribe('a/#', () => {
      throw boom;
    });
    await h.client.subscribe('a/b', other);
    h.fake.deliver('a/b', 'x');
    expect(other).toHaveBeenCalledTimes(1);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]!.code).toBe(ErrorCode.HANDLER_FAILED);
    expect(h.errors[0]!.cause).toBe(boom);
    expect(h.messages).toHaveLength(1);
  });

  it('emits every delivered message on the message event, matching or not', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.deliver('x/y', 'hello', { qos: 1, retain: true });
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]).toMatchObject({ topic: 'x/y', qos: 1, retain: true });
    expect(h.messages[0]!.text()).toBe('hello');
  });
});

describe('in-flight window over MQTT 3.1.1', () => {
  // Mosquitto drops an inbound QoS 2 message past max_inflight_messages (20) unreleased ones, yet sends PUBREC and
  // PUBCOMP: a 3.1.1 client that sends more before the PUBRELs go out has publishes resolve for messages nobody gets.
  it('never has more than 20 QoS 2 publishes in flight, since 3.1.1 has no Receive Maximum', async () => {
    const h = harness({ protocolVersion: 4 });
    await h.connectNow();
    const pubs = Array.from({ length: 45 }, (_, i) => track(h.client.publish('a/b', String(i), { qos: 2 })));
    await flush();
    let max = 0;
    while (h.fake.unacked.length > 0) {
      max = Math.max(max, h.fake.unacked.length);
      h.fake.ack(h.fake.unacked[0]!.messageId!);
      await flush();
    }
    expect(max).toBe(20);
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(Array.from({ length: 45 }, (_, i) => String(i)));
    expect(pubs.every((p) => p.state === 'resolved')).toBe(true);
  });

  it('does not hold QoS 1 back to 20 (only QoS 2 messages are dropped past the limit)', async () => {
    const h = harness({ protocolVersion: 4 });
    await h.connectNow();
    for (let i = 0; i < 60; i++) void h.client.publish('a/b', String(i), { qos: 1 });
    await flush();
    expect(h.fake.unacked.length).toBeGreaterThan(20);
  });

  it('keeps publish order when a QoS 2 waits for a slot: the QoS 1 behind it waits too', async () => {
    const h = harness({ protocolVersion: 4 });
    await h.connectNow();
    const qos = (i: number) => (i === 20 ? 2 : i < 20 ? 2 : 1);
    for (let i = 0; i < 25; i++) void h.client.publish('a/b', String(i), { qos: qos(i) });
    await flush();
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    h.fake.ack(h.fake.unacked[0]!.messageId!);
    await flush();
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it('keeps the broker\'s Receive Maximum over MQTT 5, above 20 too', async () => {
    const h = harness({ protocolVersion: 5 });
    await h.connectNow({ properties: { receiveMaximum: 50 } });
    for (let i = 0; i < 60; i++) void h.client.publish('a/b', String(i), { qos: 2 });
    await flush();
    expect(h.fake.unacked).toHaveLength(50);
  });
});

describe('packet event', () => {
  it('traces packets in both directions with the CONNECT password redacted', async () => {
    const h = harness({ auth: { token: 'super-secret-token' }, tracePackets: true });
    await h.connectNow();
    const connect = h.packets.find((p) => p.packet['cmd'] === 'connect')!;
    expect(connect.direction).toBe('out');
    expect(connect.packet['password']).toBe('[REDACTED]');
    expect(JSON.stringify(h.packets)).not.toContain('super-secret-token');
    expect(h.packets.some((p) => p.direction === 'in' && p.packet['cmd'] === 'connack')).toBe(true);
  });

  it('redacts a JWT placed in the username', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const h = harness({ auth: { token: jwt, placement: 'username' }, tracePackets: true });
    await h.connectNow();
    expect(JSON.stringify(h.packets)).not.toContain(jwt);
  });

  // Not only JWT-shaped usernames: any token sent with placement 'username' is redacted.
  it('redacts an opaque token placed in the username', async () => {
    const h = harness({ auth: { token: 'sk_live_opaque_secret', placement: 'username' }, tracePackets: true });
    await h.connectNow();
    expect(JSON.stringify(h.packets)).not.toContain('sk_live_opaque_secret');
  });

  it('emits nothing and copies nothing without a packet listener', async () => {
    const h = harness();
    const spy = vi.fn();
    await h.connectNow();
    const off = h.client.on('packet', spy);
    off();
    h.fake.deliver('a', 'b');
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('request / respond (MQTT 5)', () => {
  it('publishes the request with a response topic and correlation data and resolves with the matching reply', async () => {
    const h = harness();
    await h.connectNow();
    const reply = track(h.client.request('rpc/time', 'now', { timeoutMs: 5000 }));
    await flush();
    expect(h.fake.subscribedFilters).toEqual([['webmqtt/replies/test-client']]);
    const request = h.fake.publishes.find((p) => p.topic === 'rpc/time')!;
    const props = request.opts.properties!;
    expect(props['responseTopic']).toBe('webmqtt/replies/test-client');
    expect(props['correlationData']).toBeInstanceOf(Uint8Array);
    h.fake.ack('all');
    h.fake.deliver('webmqtt/replies/test-client', 'wrong', { properties: { correlationData: new Uint8Array([1, 2, 3]) } });
    await flush();
    expect(reply.state).toBe('pending');
    h.fake.deliver('webmqtt/replies/test-client', '12:00', { properties: { correlationData: props['correlationData'] } });
    await flush();
    expect(reply.state).toBe('resolved');
    expect(reply.value!.text()).toBe('12:00');
  });

  it('rejects with UNSUPPORTED_PROTOCOL on an MQTT 3.1.1 connection', async () => {
    const h = harness({ protocolVersion: 4 });
    await h.connectNow();
    await expect(h.client.request('rpc/x', 'y')).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_PROTOCOL });
  });

  it('rejects with ABORTED when the signal aborts', async () => {
    const h = harness();
    await h.connectNow();
    const controller = new AbortController();
    const reply = track(h.client.request('rpc/x', 'y', { signal: controller.signal }));
    await flush();
    controller.abort();
    await flush();
    expect(reply.error?.code).toBe(ErrorCode.ABORTED);
  });

  // requests.ts times out on the injected clock, not the global setTimeout (this test ticks only the fake clock).
  it('times out with REQUEST_TIMEOUT on the injected clock', async () => {
    const h = harness();
    await h.connectNow();
    const reply = track(h.client.request('rpc/x', 'y', { timeoutMs: 1000 }));
    await flush();
    await h.clock.tick(1000);
    expect(reply.error?.code).toBe(ErrorCode.REQUEST_TIMEOUT);
  });

  it('answers each request on its response topic with the same correlation data', async () => {
    const h = harness();
    await h.connectNow();
    const responder = await h.client.respond('rpc/time', (req) => `echo:${req.text()}`);
    const correlationData = new Uint8Array([9, 9]);
    h.fake.deliver('rpc/time', 'ping', { qos: 1, properties: { responseTopic: 'replies/abc', correlationData } });
    await flush();
    const reply = h.fake.publishes.find((p) => p.topic === 'replies/abc')!;
    expect(text(reply.payload)).toBe('echo:ping');
    expect(reply.opts).toMatchObject({ qos: 1, properties: { correlationData } });
    await responder.unsubscribe();
    expect(h.fake.unsubscribedFilters).toEqual(['rpc/time']);
  });

  it('ignores a request without a response topic', async () => {
    const h = harness();
    await h.connectNow();
    const handler = vi.fn(() => 'x');
    await h.client.respond('rpc/time', handler);
    h.fake.deliver('rpc/time', 'ping');
    await flush();
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('client: on/once/off name only real events (issue #13)', () => {
  it.each(['reconnect', 'close', 'offline', 'packetsend', 'packetreceive', 'end', 'connected', 42])('refuses %j with INVALID_OPTIONS naming the known events', (event) => {
    const client = createClient({ url: 'wss://broker.example.com/mqtt' });
    for (const method of ['on', 'once', 'off'] as const) {
      let error: unknown;
      try {
        (client[method] as (e: unknown, l: () => void) => unknown)(event, () => {});
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', field: 'event' });
      expect((error as Error).message).toContain('state, connect, message, error, queue, packet, role');
    }
  });

  it('refuses a listener that is not a function', () => {
    const client = createClient({ url: 'wss://broker.example.com/mqtt' });
    expect(() => client.on('state', 'log' as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'listener' }));
  });

  it('takes every documented event', () => {
    const client = createClient({ url: 'wss://broker.example.com/mqtt' });
    for (const event of ['state', 'connect', 'message', 'error', 'queue', 'packet', 'role'] as const) client.on(event, () => {})();
  });
});
