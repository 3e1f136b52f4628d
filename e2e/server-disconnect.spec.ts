import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { startFakeMqtt5Server, type FakeMqtt5Server } from './support/fake-mqtt5-server';

// What an MQTT 5 server says when it ends or refuses a connection — DISCONNECT reason codes, Server
// References, CONNACK reason codes — reaching the user through the built SDK in Chromium. No real broker
// here sends these to a browser (Mosquitto 2.0.11 sends no DISCONNECT to WebSocket clients; aedes speaks
// 3.1.1 only), so each test scripts its own fake MQTT 5 server. Runs in the aedes project only.

/** Short, deterministic backoff: the tests wait on events, not on time. */
const RECONNECT = { initialDelayMs: 50, maxDelayMs: 400, factor: 2, jitter: 'none' };

interface SeenState {
  current: string;
  code?: string;
  reasonCode?: number;
  message?: string;
  isWebMqttError?: boolean;
  retryInMs?: number;
}

let fake: FakeMqtt5Server;
let other: FakeMqtt5Server;

test.beforeEach(async () => {
  [fake, other] = await Promise.all([startFakeMqtt5Server(), startFakeMqtt5Server()]);
});

test.afterEach(async () => {
  await Promise.all([fake.close(), other.close()]);
});

/**
 * Creates a client in the page as `window.c` (states with their reason in `window.seen`, message texts
 * in `window.got`, token provider reasons in `window.tokenReasons` when `tokens` is set) and starts
 * connect(); its outcome lands in `window.connectResult`.
 */
async function startClient(page: Page, options: Record<string, unknown>, tokens?: string[]): Promise<void> {
  await page.evaluate(({ options, tokens }) => {
    const w = window as any;
    w.seen = [];
    w.got = [];
    w.tokenReasons = [];
    w.disconnectPackets = [];
    const opts = { ...options };
    if (tokens) {
      opts.auth = {
        token: async ({ reason }: { reason: string }) => {
          w.tokenReasons.push(reason);
          return tokens[Math.min(w.tokenReasons.length, tokens.length) - 1];
        },
      };
    }
    const { client } = w.makeHarness(opts);
    w.c = client;
    client.on('packet', ({ direction, packet }: any) => {
      if (direction === 'in' && packet.cmd === 'disconnect') w.disconnectPackets.push({ reasonCode: packet.reasonCode, properties: packet.properties });
    });
    client.on('state', (s: any) => w.seen.push({
      current: s.current,
      code: s.reason?.code,
      reasonCode: s.reason?.reasonCode,
      message: s.reason?.message,
      isWebMqttError: s.reason ? w.WebMqtt.isWebMqttError(s.reason) : undefined,
      retryInMs: s.retryInMs,
    }));
    w.connectResult = undefined;
    client.connect().then(() => { w.connectResult = 'resolved'; }, (e: any) => { w.connectResult = { ...w.errorInfo(e), reasonCode: e.reasonCode }; });
  }, { options, tokens });
}

async function seen(page: Page): Promise<SeenState[]> {
  return page.evaluate(() => (window as any).seen);
}

/** Waits until the page's client has reached `state` `times` times in all. */
async function waitForState(page: Page, state: string, times = 1): Promise<void> {
  await page.waitForFunction(({ state, times }) => (window as any).seen.filter((s: any) => s.current === state).length >= times, { state, times });
}

/** Subscribes (QoS 1) and waits for the SUBACK; messages land in `window.got`. */
async function subscribe(page: Page, topic: string): Promise<void> {
  await page.evaluate((topic) => {
    const w = window as any;
    return w.c.subscribe(topic, (m: any) => w.got.push(m.text()), { qos: 1 }).then(() => undefined);
  }, topic);
}

/** Publishes (QoS 1) and waits until the client has received it back through the server. */
async function roundTrip(page: Page, topic: string, text: string): Promise<void> {
  await page.evaluate(({ topic, text }) => (window as any).c.publish(topic, text, { qos: 1 }), { topic, text });
  await page.waitForFunction((text) => (window as any).got.includes(text), text);
}

async function closeClient(page: Page): Promise<void> {
  await page.evaluate(() => (window as any).c.close());
}

const serverDisconnects = [
  { reasonCode: 0x8e, text: 'session taken over' },
  { reasonCode: 0x89, text: 'server busy' },
  { reasonCode: 0x8b, text: 'server shutting down' },
  { reasonCode: 0x98, text: 'administrative action' },
];

for (const { reasonCode, text } of serverDisconnects) {
  test(`server DISCONNECT 0x${reasonCode.toString(16)} (${text}): the reconnecting state names the reason; the client reconnects and still publishes and receives`, async ({ esmPage }) => {
    await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT });
    await waitForState(esmPage, 'connected');
    await subscribe(esmPage, 'fake/echo');
    await roundTrip(esmPage, 'fake/echo', 'before');

    expect(await fake.disconnect(reasonCode, { reasonString: `scripted ${text}` })).toBe(1);
    await waitForState(esmPage, 'connected', 2);
    // Subscriptions are sent again on the new connection (the fake keeps no session).
    await roundTrip(esmPage, 'fake/echo', 'after');
    const states = await seen(esmPage);
    const disconnectPackets = await esmPage.evaluate(() => (window as any).disconnectPackets);
    await closeClient(esmPage);

    expect(disconnectPackets).toEqual([{ reasonCode, properties: { reasonString: `scripted ${text}` } }]);
    expect(states.map((s) => s.current)).toEqual(['connecting', 'connected', 'reconnecting', 'connecting', 'connected']);
    const reconnecting = states[2]!;
    expect(reconnecting).toMatchObject({ code: 'CONNECTION_LOST', reasonCode, isWebMqttError: true, retryInMs: RECONNECT.initialDelayMs });
    expect(reconnecting.message).toContain(text);
    expect(fake.connects).toHaveLength(2);
    // The second connection subscribed again and published there.
    const second = fake.received.filter((r) => r.connection === 1).map((r) => r.packet.cmd);
    expect(second.slice(0, 3)).toEqual(['connect', 'subscribe', 'publish']);
  });
}

test('server DISCONNECT 0x9C (use another server) with a bare host:port Server Reference: the next attempt goes there, once; then back to the configured URL', async ({ esmPage }) => {
  await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT });
  await waitForState(esmPage, 'connected');
  await subscribe(esmPage, 'fake/echo');

  await fake.disconnect(0x9c, { serverReference: other.host });
  await waitForState(esmPage, 'connected', 2);
  expect(other.connects).toHaveLength(1);
  expect(fake.connects).toHaveLength(1);
  await roundTrip(esmPage, 'fake/echo', 'on the other server');
  expect(other.received.some((r) => r.packet.cmd === 'publish')).toBe(true);

  // The redirect is for one attempt: a plain drop by the other server leads back to the configured URL.
  await other.disconnect(0x8b);
  await waitForState(esmPage, 'connected', 3);
  const states = await seen(esmPage);
  await closeClient(esmPage);
  expect(fake.connects).toHaveLength(2);
  expect(other.connects).toHaveLength(1);
  expect(states.filter((s) => s.current === 'reconnecting').map((s) => s.reasonCode)).toEqual([0x9c, 0x8b]);
  expect(states.find((s) => s.current === 'reconnecting')!.message).toContain('use another server');
});

test('server DISCONNECT 0x9D (server moved) with a full ws:// URL as Server Reference: the next attempt goes to that URL', async ({ esmPage }) => {
  await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT });
  await waitForState(esmPage, 'connected');
  await subscribe(esmPage, 'fake/echo');

  await fake.disconnect(0x9d, { serverReference: other.url });
  await waitForState(esmPage, 'connected', 2);
  await roundTrip(esmPage, 'fake/echo', 'moved');
  const states = await seen(esmPage);
  await closeClient(esmPage);
  expect(fake.connects).toHaveLength(1);
  expect(other.connects).toHaveLength(1);
  expect(states.find((s) => s.current === 'reconnecting')).toMatchObject({ code: 'CONNECTION_LOST', reasonCode: 0x9d });
  expect(states.find((s) => s.current === 'reconnecting')!.message).toContain('server moved');
});

test('CONNACK 0x86 (bad user name or password): the token provider is asked again with reason "rejected"; a fresh token connects', async ({ esmPage }) => {
  fake.onConnect = (_connect, n) => (n === 0 ? { reasonCode: 0x86 } : {});
  await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT }, ['stale-token', 'fresh-token']);
  await waitForState(esmPage, 'connected');
  const result = await esmPage.evaluate(() => ({ tokenReasons: (window as any).tokenReasons }));
  const states = await seen(esmPage);
  await closeClient(esmPage);

  expect(result.tokenReasons).toEqual(['initial', 'rejected']);
  expect(fake.connects.map((c) => c.password?.toString())).toEqual(['stale-token', 'fresh-token']);
  expect(states.map((s) => s.current)).toEqual(['connecting', 'reconnecting', 'connecting', 'connected']);
  expect(states[1]).toMatchObject({ code: 'AUTH_FAILED', reasonCode: 0x86, isWebMqttError: true });
  expect(states[1]!.message).toContain('bad user name or password');
});

test('CONNACK 0x87 (not authorized) twice in a row: the client fails with AUTH_FAILED and stops trying', async ({ esmPage }) => {
  fake.onConnect = () => ({ reasonCode: 0x87 });
  await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT }, ['token-1', 'token-2']);
  await waitForState(esmPage, 'failed');
  const result = await esmPage.evaluate(async () => {
    const w = window as any;
    while (w.connectResult === undefined) await new Promise((r) => setTimeout(r, 10));
    return { tokenReasons: w.tokenReasons, connectResult: w.connectResult, state: w.c.state };
  });
  const states = await seen(esmPage);
  await closeClient(esmPage);

  expect(result.tokenReasons).toEqual(['initial', 'rejected']);
  expect(result.connectResult).toMatchObject({ code: 'AUTH_FAILED', reasonCode: 0x87, isWebMqttError: true });
  expect(result.connectResult.message).toContain('not authorized');
  expect(result.state).toBe('failed');
  expect(states.map((s) => s.current)).toEqual(['connecting', 'reconnecting', 'connecting', 'failed']);
  expect(fake.connects).toHaveLength(2);
});

test('CONNACK 0x9C (use another server) with a Server Reference: the next attempt goes to the referenced server', async ({ esmPage }) => {
  fake.onConnect = () => ({ reasonCode: 0x9c, properties: { serverReference: other.host } });
  await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT });
  await waitForState(esmPage, 'reconnecting');
  // Whichever server the next attempt goes to, it is the second CONNECT in all.
  await expect.poll(() => fake.connects.length + other.connects.length).toBeGreaterThanOrEqual(2);
  const states = await seen(esmPage);
  const connectedTo = { fake: fake.connects.length, other: other.connects.length };
  await closeClient(esmPage);

  expect(states[1]).toMatchObject({ current: 'reconnecting', code: 'CONNECTION_REFUSED', reasonCode: 0x9c, isWebMqttError: true });
  expect(states[1]!.message).toContain('use another server');
  expect(connectedTo).toEqual({ fake: 1, other: 1 });
});

test('CONNACK 0x84 (unsupported protocol version) on protocolVersion "auto": the client tries MQTT 3.1.1 at once, on the same server', async ({ esmPage }) => {
  fake.onConnect = (connect) => (connect.protocolVersion === 5 ? { reasonCode: 0x84 } : { returnCode: 0 });
  await startClient(esmPage, { url: [fake.url, other.url], protocolVersion: 'auto', reconnect: RECONNECT });
  await waitForState(esmPage, 'connected');
  const protocolVersion = await esmPage.evaluate(() => (window as any).c.protocolVersion);
  await subscribe(esmPage, 'fake/echo');
  await roundTrip(esmPage, 'fake/echo', 'over 3.1.1');
  const states = await seen(esmPage);
  await closeClient(esmPage);

  expect(fake.connects.map((c) => c.protocolVersion)).toEqual([5, 4]);
  expect(other.connects).toHaveLength(0);
  expect(protocolVersion).toBe(4);
  // The fallback is immediate: no reconnecting state, no backoff.
  expect(states.map((s) => s.current)).toEqual(['connecting', 'connected']);
});

test('CONNACK 0x89 (server busy): a retryable CONNECTION_REFUSED with growing backoff, then connected when the server takes the client', async ({ esmPage }) => {
  fake.onConnect = (_connect, n) => (n < 2 ? { reasonCode: 0x89 } : {});
  await startClient(esmPage, { url: fake.url, protocolVersion: 5, reconnect: RECONNECT });
  await waitForState(esmPage, 'connected');
  const connectResult = await esmPage.evaluate(() => (window as any).connectResult);
  const states = await seen(esmPage);
  await closeClient(esmPage);

  expect(connectResult).toBe('resolved');
  expect(states.map((s) => s.current)).toEqual(['connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'connected']);
  const waits = states.filter((s) => s.current === 'reconnecting');
  for (const wait of waits) {
    expect(wait).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: 0x89, isWebMqttError: true });
    expect(wait.message).toContain('server busy');
  }
  expect(waits.map((s) => s.retryInMs)).toEqual([RECONNECT.initialDelayMs, RECONNECT.initialDelayMs * RECONNECT.factor]);
  expect(fake.connects).toHaveLength(3);
});
