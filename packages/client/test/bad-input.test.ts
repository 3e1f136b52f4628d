import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client';
import { ErrorCode, isWebMqttError } from '../src/core/errors';
import { fakeFactory, flush } from './support/fake-mqtt';
import { harness, text, track } from './support/harness';
// The client loads request/respond and messages() code with dynamic imports; loaded here first, those resolve
// from the module cache within a flush() instead of waiting for a first transform of the file.
import '../src/messaging/requests';
import '../src/messaging/message-stream';

// Bad input the browser cannot easily produce (a broker refusing things, a provider that hangs, injected
// dependencies of the wrong type), on the fake MQTT.js and a manual clock. The rule (API.md, Errors): a typed
// error, thrown only by createClient(), otherwise a rejected promise; the client and its queue survive.

/** Calls `fn`; reports a synchronous throw instead of letting it escape. */
function outcome(fn: () => unknown): { threwSync: boolean; value: unknown } {
  try {
    return { threwSync: false, value: fn() };
  } catch (error) {
    return { threwSync: true, value: error };
  }
}

async function rejection(promise: unknown): Promise<{ code: unknown; typed: boolean }> {
  try {
    await (promise as Promise<unknown>);
    return { code: 'resolved', typed: false };
  } catch (error) {
    return { code: (error as { code?: unknown }).code, typed: isWebMqttError(error) };
  }
}

describe('bad input keeps the queue', () => {
  it('publishes queued before connect survive a burst of bad calls and go out in order after CONNACK', async () => {
    const h = harness();
    const queued = Array.from({ length: 5 }, (_, i) => track(h.client.publish('q/t', `m${i}`, { qos: 1 })));
    const bad = [
      h.client.publish('', 'x'),
      h.client.publish('a/#', 'x'),
      h.client.publish('q/t', 42 as never),
      h.client.publish('q/t', 'x', { qos: 7 as never }),
      h.client.subscribe('a/#/b', () => {}),
      h.client.subscribe('a', 'nope' as never),
    ];
    for (const result of await Promise.all(bad.map(rejection))) expect(result.typed).toBe(true);
    expect(h.client.queued.size).toBe(5);
    await h.connectNow();
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    h.fake.ack('all');
    await flush();
    expect(queued.map((q) => q.state)).toEqual(Array(5).fill('resolved'));
    expect(h.errors).toEqual([]);
  });

  it('a publish the broker refuses (PUBACK 0x87) rejects PUBLISH_REJECTED; the next one still goes through', async () => {
    const h = harness();
    await h.connectNow();
    const refused = track(h.client.publish('r/t', 'no', { qos: 1 }));
    await flush();
    h.fake.ack(h.fake.unacked[0]!.messageId!, 0x87);
    await flush();
    expect(refused.state).toBe('rejected');
    expect(refused.error.code).toBe(ErrorCode.PUBLISH_REJECTED);
    const next = track(h.client.publish('r/t', 'yes', { qos: 1 }));
    await flush();
    h.fake.ack('all');
    await flush();
    expect(next.state).toBe('resolved');
    expect(h.client.state).toBe('connected');
  });

  it('a SUBACK failure rejects only that subscribe (SUBSCRIBE_REJECTED); other subscriptions keep receiving', async () => {
    const h = harness();
    await h.connectNow();
    const got: string[] = [];
    await h.client.subscribe('ok/#', (m) => got.push(m.text()));
    h.fake.subackCodes['secret/#'] = 0x87;
    const refused = await rejection(h.client.subscribe('secret/#', () => {}));
    expect(refused).toEqual({ code: ErrorCode.SUBSCRIBE_REJECTED, typed: true });
    h.fake.deliver('ok/1', 'still');
    h.fake.deliver('secret/1', 'not routed');
    expect(got).toEqual(['still']);
  });

  it('a handler that throws is reported as HANDLER_FAILED and does not stop the others', async () => {
    const h = harness();
    await h.connectNow();
    const got: string[] = [];
    await h.client.subscribe('h/#', () => {
      throw new Error('boom');
    });
    await h.client.subscribe('h/#', (m) => got.push(m.text()));
    h.fake.deliver('h/1', 'one');
    h.fake.deliver('h/2', 'two');
    expect(got).toEqual(['one', 'two']);
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.HANDLER_FAILED, ErrorCode.HANDLER_FAILED]);
  });

  it('a token provider that never answers fails the attempt with AUTH_FAILED; the next attempt connects and the queue goes out', async () => {
    let calls = 0;
    const h = harness({ auth: { token: () => (++calls === 1 ? new Promise<string>(() => {}) : 'good-token'), providerTimeoutMs: 1_000 }, reconnect: { initialDelayMs: 100 } });
    const queued = track(h.client.publish('p/t', 'kept', { qos: 1 }));
    void h.client.connect();
    await h.clock.tick(1_000);
    expect(h.states.find((s) => s.current === 'reconnecting')?.reason?.code).toBe(ErrorCode.AUTH_FAILED);
    await h.clock.tick(200);
    h.fake.acceptConnack();
    await flush();
    expect(h.fake.lastConnect?.password).toBe('good-token');
    h.fake.ack('all');
    await flush();
    expect(queued.state).toBe('resolved');
  });

  it.each([
    ['a number', () => 42],
    ['null', () => null],
    ['an object without token', () => ({ expiresAt: 1 })],
    ['a token with a NaN expiresAt', () => ({ token: 't', expiresAt: Number.NaN })],
    ['a promise of an empty string', async () => ''],
  ])('a token provider returning %s fails the attempt with AUTH_FAILED and the client retries', async (_name, provider) => {
    const h = harness({ auth: { token: provider as never }, reconnect: { initialDelayMs: 100 } });
    const connecting = h.client.connect();
    connecting.catch(() => {}); // rejected by close() below
    await flush();
    const waiting = h.states.find((s) => s.current === 'reconnecting');
    expect(waiting?.reason?.code).toBe(ErrorCode.AUTH_FAILED);
    expect(isWebMqttError(waiting?.reason)).toBe(true);
    expect(h.factoryCalls).toBe(0); // nothing was sent without a token
    await h.client.close();
  });

  it('request() after close rejects CLIENT_CLOSED; with a bad timeoutMs it rejects INVALID_OPTIONS', async () => {
    const h = harness();
    await h.connectNow();
    expect(await rejection(h.client.request('rpc/x', 'x', { timeoutMs: -1 }))).toEqual({ code: ErrorCode.INVALID_OPTIONS, typed: true });
    await h.client.close();
    expect(await rejection(h.client.request('rpc/x', 'x'))).toEqual({ code: ErrorCode.CLIENT_CLOSED, typed: true });
  });
});

describe('known bugs (kept as failing tests)', () => {
  // BUG: client.ts optionError() JSON.stringify()s the bad value; a cyclic (or BigInt-holding) object throws TypeError synchronously from publish().
  it('publish() with a cyclic qos value rejects INVALID_OPTIONS instead of throwing synchronously', async () => {
    const h = harness();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const result = outcome(() => h.client.publish('a', 'x', { qos: cyclic as never }));
    expect(result.threwSync).toBe(false);
    expect(await rejection(result.value)).toEqual({ code: ErrorCode.INVALID_OPTIONS, typed: true });
  });

  // BUG: same optionError() path: retain holding a BigInt makes JSON.stringify throw synchronously from publish().
  it('publish() with retain { n: 1n } rejects INVALID_OPTIONS instead of throwing synchronously', async () => {
    const h = harness();
    const result = outcome(() => h.client.publish('a', 'x', { retain: { n: 1n } as never }));
    expect(result.threwSync).toBe(false);
    expect(await rejection(result.value)).toEqual({ code: ErrorCode.INVALID_OPTIONS, typed: true });
  });

  it('createClient({ browserSignals: "x" }) throws INVALID_OPTIONS', () => {
    const { factory } = fakeFactory();
    expect(() => createClient({ url: 'wss://b.example.com/mqtt', mqttFactory: factory, browserSignals: 'x' as never })).toThrowError(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
  });

  it('createClient({ clock: {} }) throws INVALID_OPTIONS', () => {
    const { factory } = fakeFactory();
    expect(() => createClient({ url: 'wss://b.example.com/mqtt', mqttFactory: factory, browserSignals: null, clock: {} as never })).toThrowError(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
  });

  // BUG: message-stream.ts reads options.signal before anything checks options; messages(filter, null) throws TypeError synchronously.
  it('messages(filter, null) does not throw synchronously', async () => {
    const h = harness();
    const result = outcome(() => h.client.messages('a/#', null as never));
    expect(result.threwSync).toBe(false);
  });

  // BUG: requests.ts reads options.signal before checking options; request(topic, payload, null) rejects with a plain TypeError.
  it('request(topic, payload, null) rejects INVALID_OPTIONS (a WebMqttError)', async () => {
    const h = harness();
    await h.connectNow();
    expect(await rejection(h.client.request('rpc/x', 'x', null as never))).toEqual({ code: ErrorCode.INVALID_OPTIONS, typed: true });
  });

  // BUG: requests.ts subscribes its reply inbox before validating the topic; request('a/#') while offline stays pending until a CONNACK.
  it('request() with an invalid topic rejects INVALID_TOPIC at once, even while not connected', async () => {
    const h = harness();
    const pending = track(h.client.request('a/#', 'x', { timeoutMs: 60_000 }));
    await flush();
    expect(pending.state).toBe('rejected');
    expect(pending.error?.code).toBe(ErrorCode.INVALID_TOPIC);
  });
});
