import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';

// Bad input never crashes the client and never loses queued data (API.md, Errors): createClient() throws
// INVALID_OPTIONS synchronously; every call rejects with a typed WebMqttError instead of throwing.

interface CaseResult {
  name: string;
  expected: string;
  expectSync: boolean;
  code: string | undefined;
  isWebMqttError: boolean;
  threwSync: boolean;
}

/** Runs in the page: every case against `window.main.client` (or throwaway clients) and reports how it failed. */
async function runMatrix({ brokerUrl, token, topic }: { brokerUrl: string; token: string; topic: string }): Promise<CaseResult[]> {
  const w = window as any;
  const { createClient, isWebMqttError } = w.WebMqtt;
  const client = w.main.client;
  const noop = (): void => {};
  const url = brokerUrl;
  const cyclic: any = { a: 1 };
  cyclic.self = cyclic;
  const lone = 'a\uD800b';
  const cases: Array<[name: string, expected: string, run: () => unknown, sync?: boolean]> = [];
  const call = (name: string, expected: string, run: () => unknown): void => {
    cases.push([name, expected, run]);
  };
  const create = (name: string, options: unknown): void => {
    cases.push([`createClient: ${name}`, 'INVALID_OPTIONS', () => createClient(options), true]);
  };
  const closedClient = async (): Promise<any> => {
    const c = createClient({ url, auth: { token } });
    await c.close();
    return c;
  };

  // Topics given to publish().
  call('publish: empty topic', 'INVALID_TOPIC', () => client.publish('', 'x'));
  call('publish: + in topic', 'INVALID_TOPIC', () => client.publish(`${topic}/+/x`, 'x'));
  call('publish: # in topic', 'INVALID_TOPIC', () => client.publish(`${topic}/#`, 'x'));
  call('publish: topic "#"', 'INVALID_TOPIC', () => client.publish('#', 'x'));
  call('publish: NUL in topic', 'INVALID_TOPIC', () => client.publish(`${topic}/a\u0000b`, 'x'));
  call('publish: topic of 65,536 ASCII bytes', 'INVALID_TOPIC', () => client.publish('t'.repeat(65_536), 'x'));
  call('publish: topic of 65,536 UTF-8 bytes in 32,768 chars', 'INVALID_TOPIC', () => client.publish('\u00e9'.repeat(32_768), 'x'));
  call('publish: lone high surrogate', 'INVALID_TOPIC', () => client.publish(lone, 'x'));
  call('publish: lone low surrogate', 'INVALID_TOPIC', () => client.publish('\uDC00/x', 'x'));
  call('publish: reversed surrogate pair', 'INVALID_TOPIC', () => client.publish('\uDC00\uD800', 'x'));
  call('publish: topic is a number', 'INVALID_TOPIC', () => client.publish(42, 'x'));
  call('publish: topic is null', 'INVALID_TOPIC', () => client.publish(null, 'x'));
  call('publish: topic is undefined', 'INVALID_TOPIC', () => client.publish(undefined, 'x'));
  call('publish: topic is a String object', 'INVALID_TOPIC', () => client.publish(new String('a/b'), 'x'));

  // Filters given to subscribe().
  call('subscribe: empty filter', 'INVALID_TOPIC', () => client.subscribe('', noop));
  call('subscribe: # not last', 'INVALID_TOPIC', () => client.subscribe('a/#/b', noop));
  call('subscribe: # inside a level', 'INVALID_TOPIC', () => client.subscribe('a/b#', noop));
  call('subscribe: + inside a level', 'INVALID_TOPIC', () => client.subscribe('a+/b', noop));
  call('subscribe: $share without group', 'INVALID_TOPIC', () => client.subscribe('$share//a', noop));
  call('subscribe: $share without filter', 'INVALID_TOPIC', () => client.subscribe('$share/g', noop));
  call('subscribe: wildcard in $share group', 'INVALID_TOPIC', () => client.subscribe('$share/g+/a', noop));
  call('subscribe: NUL in filter', 'INVALID_TOPIC', () => client.subscribe('a/\u0000', noop));
  call('subscribe: lone surrogate in filter', 'INVALID_TOPIC', () => client.subscribe(lone, noop));
  call('subscribe: filter over 65,535 bytes', 'INVALID_TOPIC', () => client.subscribe(`${'f'.repeat(65_535)}/#`, noop));
  call('subscribe: filter is an object', 'INVALID_TOPIC', () => client.subscribe({}, noop));
  call('messages(): bad filter rejects next()', 'INVALID_TOPIC', () => client.messages('a/#/b').next());

  // Payloads.
  call('payload: number', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, 42));
  call('payload: plain object', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, { a: 1 }));
  call('payload: null', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, null));
  call('payload: undefined', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, undefined));
  call('payload: array of numbers', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, [1, 2, 3]));
  call('payload: boolean', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, true));
  call('payload: bigint', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, 10n));
  call('payload: symbol', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, Symbol('x')));
  call('payload: Blob', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, new Blob(['x'])));
  call('payload: function', 'INVALID_PAYLOAD', () => client.publish(`${topic}/p`, noop));

  // publish() / subscribe() options.
  call('publish: qos 3', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { qos: 3 }));
  call('publish: qos -1', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { qos: -1 }));
  call('publish: qos "1"', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { qos: '1' }));
  call('publish: qos 1.5', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { qos: 1.5 }));
  call('publish: qos NaN', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { qos: NaN }));
  call('publish: retain "yes"', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { retain: 'yes' }));
  call('publish: options null', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', null));
  call('publish: options a string', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', 'qos1'));
  call('publish: qos a cyclic object', 'INVALID_OPTIONS', () => client.publish(`${topic}/o`, 'x', { qos: cyclic }));
  call('subscribe: qos 3', 'INVALID_OPTIONS', () => client.subscribe(`${topic}/s`, noop, { qos: 3 }));
  call('subscribe: handler a string', 'INVALID_OPTIONS', () => client.subscribe(`${topic}/s`, 'handler'));
  call('subscribe: no handler', 'INVALID_OPTIONS', () => client.subscribe(`${topic}/s`));
  call('subscribe: options null', 'INVALID_OPTIONS', () => client.subscribe(`${topic}/s`, noop, null));
  call('subscribe: handler a cyclic object', 'INVALID_OPTIONS', () => client.subscribe(`${topic}/s`, cyclic));
  call('messages(): options null', 'INVALID_OPTIONS', () => client.messages(`${topic}/m`, null).next());
  call('respond: handler not a function', 'INVALID_OPTIONS', () => client.respond(`${topic}/r`, 'nope'));

  // createClient() options: thrown synchronously.
  create('no options', undefined);
  create('options null', null);
  create('url missing', {});
  create('url with http:// scheme', { url: 'http://127.0.0.1:8084/mqtt' });
  create('url with mqtt:// scheme', { url: 'mqtt://127.0.0.1:1883' });
  create('url with no host', { url: 'ws://:8084/mqtt' });
  create('url "ws://"', { url: 'ws://' });
  create('url with port 99999', { url: 'ws://127.0.0.1:99999/mqtt' });
  create('url with port 0', { url: 'ws://127.0.0.1:0/mqtt' });
  create('url with a non-numeric port', { url: 'ws://127.0.0.1:abc/mqtt' });
  create('url without a scheme', { url: '127.0.0.1:8084/mqtt' });
  create('url with a #fragment', { url: 'ws://127.0.0.1:8084/mqtt#x' });
  create('url an empty list', { url: [] });
  create('url list with a number', { url: [url, 42] });
  create('url a number', { url: 8084 });
  create('clientId empty', { url, clientId: '' });
  create('clientId a number', { url, clientId: 42 });
  create('protocolVersion 3', { url, protocolVersion: 3 });
  create('clean "false"', { url, clean: 'false' });
  create('keepalive -1', { url, keepalive: -1 });
  create('keepalive 65,536', { url, keepalive: 65_536 });
  create('keepalive 1.5', { url, keepalive: 1.5 });
  create('connectTimeoutMs 0', { url, connectTimeoutMs: 0 });
  create('connectTimeoutMs Infinity', { url, connectTimeoutMs: Infinity });
  create('sessionExpiryInterval -1', { url, sessionExpiryInterval: -1 });
  create('auth a string', { url, auth: token });
  create('auth without token', { url, auth: {} });
  create('auth.token empty', { url, auth: { token: '' } });
  create('auth.token a number', { url, auth: { token: 42 } });
  create('auth.placement "cookie"', { url, auth: { token, placement: 'cookie' } });
  create('auth.queryParam with a space', { url, auth: { token, queryParam: 'a b' } });
  create('auth.refreshBeforeExpiryMs negative', { url, auth: { token, refreshBeforeExpiryMs: -5 } });
  create('reconnect a string', { url, reconnect: 'fast' });
  create('reconnect.initialDelayMs negative', { url, reconnect: { initialDelayMs: -1 } });
  create('reconnect.maxDelayMs below initialDelayMs', { url, reconnect: { initialDelayMs: 5_000, maxDelayMs: 1_000 } });
  create('reconnect.factor 0.5', { url, reconnect: { factor: 0.5 } });
  create('reconnect.jitter "random"', { url, reconnect: { jitter: 'random' } });
  create('reconnect.maxAttempts 0', { url, reconnect: { maxAttempts: 0 } });
  create('offlineQueue.maxMessages 0', { url, offlineQueue: { maxMessages: 0 } });
  create('offlineQueue.maxBytes "big"', { url, offlineQueue: { maxBytes: 'big' } });
  create('offlineQueue.overflow "explode"', { url, offlineQueue: { overflow: 'explode' } });
  create('will without topic', { url, will: { payload: 'bye' } });
  create('will.topic with a wildcard', { url, will: { topic: 'a/#', payload: 'bye' } });
  create('will.payload a number', { url, will: { topic: 'a', payload: 42 } });
  create('will.qos 5', { url, will: { topic: 'a', payload: 'bye', qos: 5 } });
  create('browserEvents "no"', { url, browserEvents: 'no' });
  create('logger without methods', { url, logger: {} });
  create('unknown option "hostname"', { url, hostname: 'x' });
  create('tls a string', { url, tls: 'x' });
  create('properties a string', { url, properties: 'x' });
  create('random a number', { url, random: 4 });
  create('mqttFactory a string', { url, mqttFactory: 'x' });
  create('allowInsecureAuth "yes"', { url, allowInsecureAuth: 'yes' });
  create('clock a string', { url, clock: 'x' });
  create('browserSignals a string', { url, browserSignals: 'x' });

  // URL and token providers returning garbage: the attempt fails with a typed error, connect() rejects.
  const oneShot = { reconnect: false };
  const providerClient = (provider: unknown) => createClient({ url, ...oneShot, auth: { token: provider } });
  call('token provider returns a number', 'AUTH_FAILED', () => providerClient(() => 42).connect());
  call('token provider returns undefined', 'AUTH_FAILED', () => providerClient(() => undefined).connect());
  call('token provider returns {}', 'AUTH_FAILED', () => providerClient(() => ({})).connect());
  call('token provider returns ""', 'AUTH_FAILED', () => providerClient(async () => '').connect());
  call('token provider returns a bad expiresAt', 'AUTH_FAILED', () => providerClient(() => ({ token, expiresAt: 'soon' })).connect());
  call('token provider throws', 'AUTH_FAILED', () => providerClient(() => { throw new Error('backend down'); }).connect());
  call('token provider rejects', 'AUTH_FAILED', () => providerClient(() => Promise.reject(new Error('backend down'))).connect());
  call('url function returns a number', 'INVALID_OPTIONS', () => createClient({ url: () => 42, ...oneShot }).connect());
  call('url function returns an http:// URL', 'INVALID_OPTIONS', () => createClient({ url: () => 'http://127.0.0.1/mqtt', ...oneShot }).connect());
  call('url function throws', 'CONNECTION_REFUSED', () => createClient({ url: () => { throw new Error('no config'); }, ...oneShot }).connect());
  call('token over ws:// to a remote host', 'INSECURE_TRANSPORT', () => createClient({ url: 'ws://broker.example.com/mqtt', auth: { token } }).connect());

  // Calls after close().
  call('after close: publish', 'CLIENT_CLOSED', async () => (await closedClient()).publish('a', 'x'));
  call('after close: subscribe', 'CLIENT_CLOSED', async () => (await closedClient()).subscribe('a', noop));
  call('after close: connect', 'CLIENT_CLOSED', async () => (await closedClient()).connect());
  call('after close: messages().next()', 'CLIENT_CLOSED', async () => (await closedClient()).messages('a').next());
  call('after close: request', 'CLIENT_CLOSED', async () => (await closedClient()).request('a', 'x', { timeoutMs: 1_000 }));
  call('after close: respond', 'CLIENT_CLOSED', async () => (await closedClient()).respond('a', () => 'x'));
  call('close: pending publish of a never-connected client', 'CLIENT_CLOSED', () => {
    const c = createClient({ url, auth: { token } });
    const pending = c.publish('a', 'x', { qos: 1 });
    void c.close();
    return pending;
  });

  const results: CaseResult[] = [];
  for (const [name, expected, run, sync = false] of cases) {
    const result: CaseResult = { name, expected, expectSync: sync, code: undefined, isWebMqttError: false, threwSync: false };
    const record = (error: any): void => {
      result.code = error && typeof error.code === 'string' ? error.code : `not a WebMqttError: ${String(error && error.name)}: ${String(error && error.message).slice(0, 80)}`;
      result.isWebMqttError = isWebMqttError(error);
    };
    let outcome: unknown;
    try {
      outcome = run();
    } catch (error) {
      result.threwSync = true;
      record(error);
      results.push(result);
      continue;
    }
    if (outcome && typeof (outcome as Promise<unknown>).then === 'function') {
      const settled = await Promise.race([
        (outcome as Promise<unknown>).then(() => 'resolved', (error: unknown) => {
          record(error);
          return 'rejected';
        }),
        new Promise((r) => setTimeout(() => r('pending'), 5_000)),
      ]);
      if (settled !== 'rejected') result.code = settled as string;
    } else {
      result.code = 'returned without error';
    }
    results.push(result);
  }
  return results;
}

function mismatches(results: CaseResult[]): CaseResult[] {
  return results.filter((r) => r.code !== r.expected || !r.isWebMqttError || r.threwSync !== r.expectSync);
}

async function setUp(page: Page, brokerUrl: string, token: string, topic: string): Promise<void> {
  await page.evaluate(async ({ brokerUrl, token, topic }) => {
    const w = window as any;
    w.main = w.makeHarness({ url: brokerUrl, auth: { token }, clientId: `bad-input-${Math.random().toString(36).slice(2)}`, reconnect: { initialDelayMs: 100, maxDelayMs: 500, jitter: 'none' } });
    await w.main.client.connect();
    w.echo = [];
    await w.main.client.subscribe(`${topic}/echo`, (m: any) => w.echo.push(m.text()), { qos: 1 });
  }, { brokerUrl, token, topic });
}

test('the bad-input matrix: every case fails with its documented code, and the client and its queue survive', async ({ esmPage, broker, token, topicPrefix }) => {
  test.setTimeout(120_000);
  const brokerUrl = broker.urls.ws;
  await setUp(esmPage, brokerUrl, token, topicPrefix);

  // Queue 20 QoS 1 messages while the broker is away.
  await broker.pause();
  await expect.poll(() => esmPage.evaluate(() => (window as any).main.client.state)).not.toBe('connected');
  await esmPage.evaluate(({ topic }) => {
    const w = window as any;
    w.queued = Array.from({ length: 20 }, (_, i) => w.main.client.publish(`${topic}/echo`, `queued-${i}`, { qos: 1 }).then(() => 'ok', (e: any) => e.code));
  }, { topic: topicPrefix });
  expect(await esmPage.evaluate(() => (window as any).main.client.queued.size)).toBe(20);

  const started = Date.now();
  const results = await esmPage.evaluate(runMatrix, { brokerUrl, token, topic: topicPrefix });
  test.info().annotations.push({ type: 'bad-input cases', description: `${results.length} run in ${Date.now() - started} ms` });
  console.log(`[bad-input] ${results.length} cases, ${mismatches(results).length} mismatches`);
  expect(results.length).toBeGreaterThanOrEqual(50);
  expect(mismatches(results)).toEqual([]);

  // Nothing queued was dropped by the bad calls, and the client is still the same, usable one.
  const mid = await esmPage.evaluate(() => ({ size: (window as any).main.client.queued.size, state: (window as any).main.client.state }));
  expect(mid.size).toBe(20);
  expect(['reconnecting', 'connecting']).toContain(mid.state);

  await broker.resume();
  const after = await esmPage.evaluate(async ({ topic }) => {
    const w = window as any;
    const outcomes = await Promise.all(w.queued);
    await w.main.client.publish(`${topic}/echo`, 'after', { qos: 1 });
    const deadline = Date.now() + 10_000;
    while (w.echo.length < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return { outcomes: [...new Set(outcomes)], echo: w.echo, errors: w.main.record.errors, state: w.main.client.state };
  }, { topic: topicPrefix });
  expect(after.outcomes).toEqual(['ok']);
  expect(after.echo).toEqual([...Array.from({ length: 20 }, (_, i) => `queued-${i}`), 'after']);
  expect(after.state).toBe('connected');
  // Rejected calls are reported through their promise, not also as 'error' events: what `error` saw is only the
  // failed reconnect attempts' reasons while the broker was paused (issue #13: each reaches `error` listeners).
  const attemptCodes = ['CONNECTION_REFUSED', 'CONNECT_TIMEOUT', 'CONNECTION_LOST'];
  expect(after.errors.filter((e: { code: string }) => !attemptCodes.includes(e.code))).toEqual([]);
});
