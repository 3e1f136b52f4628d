import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Page, type TestInfo } from '@playwright/test';
import { createClient, type WebMqttClient } from '@webmqtt/client';
import sirv from 'sirv';
import { test, expect } from './support/fixtures';

// A tab in the background and a page in the back-forward cache, as far as headless Chromium lets us
// emulate them. What each test can and cannot prove is said in its comments and in docs/package-checks.md.

/** Runs on one broker only; works whether or not the fixtures have a `brokerKind` option yet. */
function onlyOneBroker(testInfo: TestInfo): void {
  const kind = (testInfo.project.use as { brokerKind?: string }).brokerKind ?? testInfo.project.name;
  test.skip(kind === 'mosquitto', 'page lifecycle checks need one broker');
}

test.beforeEach(({}, testInfo) => onlyOneBroker(testInfo));

/** A Node-side publisher (the SDK itself, from its ESM dist) to feed the page while it is in the background. */
async function publisher(url: string, token: string): Promise<WebMqttClient> {
  const client = createClient({ url, auth: { token }, browserEvents: false, reconnect: { maxAttempts: 3 } });
  await client.connect();
  return client;
}

/** In the page: a subscribed client (keepalive 2 s unless told), its messages counted in `window.subject`. */
async function connectSubject(page: Page, args: { url: string; token: string; topic: string; keepalive?: number; reconnect?: object }): Promise<void> {
  await page.evaluate(async ({ url, token, topic, keepalive, reconnect }) => {
    const w = window as any;
    w.subject = w.makeHarness({ url, auth: { token }, keepalive: keepalive ?? 2, ...(reconnect ? { reconnect } : {}) });
    await w.subject.client.connect();
    await w.subject.client.subscribe(topic, () => {}, { qos: 1 });
  }, args);
}

/**
 * The e2e pages and the client's dist as a production server sends them: cacheable, no
 * `Cache-Control: no-store`. (The shared static server runs sirv in dev mode, whose no-store keeps any
 * page that used a WebSocket out of Chromium's bfcache: reason "websocket-used-with-ccns".)
 */
async function productionSite(): Promise<{ url: string; close(): Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dist = sirv(`${root}/packages/client/dist`, { maxAge: 60 });
  const pages = sirv(`${root}/e2e/pages`, { maxAge: 60 });
  const server = createServer((req, res) => {
    const notFound = () => {
      res.statusCode = req.url === '/favicon.ico' ? 204 : 404;
      res.end();
    };
    if (req.url?.startsWith('/dist/')) {
      req.url = req.url.slice('/dist'.length);
      dist(req, res, notFound);
    } else pages(req, res, notFound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const subjectState = (page: Page) => page.evaluate(() => (window as any).subject.client.state as string);
const subjectStates = (page: Page) => page.evaluate(() => (window as any).subject.record.states.map((s: any) => s.current) as string[]);
const subjectMessages = (page: Page) => page.evaluate(() => (window as any).subject.record.messages.map((m: any) => m.text) as string[]);

/**
 * In the page: tells it it is hidden the way the SDK reads it, and gives its window timers Chromium's
 * background throttling: callbacks run only on wake-ups every `alignMs`. (Headless Chromium keeps every
 * tab "visible": bringing another tab to the front or minimising changes nothing, and
 * Page.setWebLifecycleState 'frozen' is a no-op on a visible page.) Workers are not throttled in
 * Chromium and are not here either: that is why MQTT.js keeps its keepalive on worker timers.
 */
async function goBackground(page: Page, alignMs: number): Promise<void> {
  await page.evaluate((alignMs) => {
    const w = window as any;
    const native = { setTimeout: w.setTimeout.bind(w), setInterval: w.setInterval.bind(w) };
    const aligned = (ms: number) => Math.ceil((Date.now() + Math.max(0, ms || 0)) / alignMs) * alignMs - Date.now();
    w.setTimeout = (fn: any, ms: number, ...args: any[]) => native.setTimeout(fn, aligned(ms), ...args);
    w.setInterval = (fn: any, ms: number, ...args: any[]) => native.setInterval(fn, Math.max(alignMs, Math.ceil((ms || 0) / alignMs) * alignMs), ...args);
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, alignMs);
}

/** Ten seconds in the background with one message a second from outside; returns what the page saw. */
async function tenSecondsHidden(page: Page, url: string, token: string, topic: string) {
  const feeder = await publisher(url, token);
  try {
    for (let i = 1; i <= 10; i++) {
      await feeder.publish(topic, `tick ${i}`, { qos: 1 });
      await page.waitForTimeout(1_000);
    }
    await expect.poll(() => subjectMessages(page), { timeout: 15_000 }).toHaveLength(10).catch(() => undefined);
  } finally {
    await feeder.close();
  }
  const seen = { state: await subjectState(page), states: await subjectStates(page), messages: await subjectMessages(page) };
  test.info().annotations.push({ type: 'hidden for 10 s', description: JSON.stringify(await page.evaluate(() => (window as any).subject.record.states.map((s: any) => [s.current, s.reasonMessage].filter(Boolean).join(': ')))) });
  return seen;
}

const allTicks = Array.from({ length: 10 }, (_, i) => `tick ${i + 1}`);

test('a backgrounded tab (visibility hidden, timers on 1 s wake-ups, CPU 4x slower) keeps its connection for 10 s and still receives', async ({ esmPage, broker, token, topicPrefix, context }) => {
  test.setTimeout(90_000);
  const topic = `${topicPrefix}/background`;
  // keepalive 5 s: Chromium's 1 s alignment against a 30 s keepalive is a small fraction; 1 s against 2 s
  // would be half the budget, which is the intensive-throttling case below, not this one.
  await connectSubject(esmPage, { url: broker.urls.ws, token, topic, keepalive: 5 });
  const cdp = await context.newCDPSession(esmPage);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  try {
    await goBackground(esmPage, 1_000);
    const seen = await tenSecondsHidden(esmPage, broker.urls.ws, token, topic);
    expect(seen.messages).toEqual(allTicks);
    expect(seen.state).toBe('connected');
    // One connection throughout: no drop, no reconnect while hidden.
    expect(seen.states).toEqual(['connecting', 'connected']);
  } finally {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  }
});

test('intensive throttling, scaled down (keepalive 2 s, timers on 4 s wake-ups, as 30 s against Chromium\'s 1 min): the connection survives', async ({ esmPage, broker, token, topicPrefix }) => {
  // BUG (MQTT.js browser build, inherited): its process.nextTick shim is setTimeout(fn, 0), and incoming
  // packets (and, by the observed broker-side drops, outgoing ones too) go through nextTick, so a PINGRESP is
  // handled only at the next timer wake-up. When wake-ups are further apart than the keepalive (Chromium:
  // once a minute after 5 min hidden), MQTT.js reports "Keepalive timeout" or the broker drops the client,
  // the SDK reconnects, and QoS 1 messages sent meanwhile to a clean session are lost. Observed: 3 reconnects in 10 s.
  test.fail();
  test.setTimeout(90_000);
  const topic = `${topicPrefix}/intensive`;
  await connectSubject(esmPage, { url: broker.urls.ws, token, topic, keepalive: 2 });
  await goBackground(esmPage, 4_000);
  const seen = await tenSecondsHidden(esmPage, broker.urls.ws, token, topic);
  expect(seen.states).toEqual(['connecting', 'connected']);
  expect(seen.messages).toEqual(allTicks);
});

test('pageshow with persisted=true while waiting out a long backoff reconnects at once; persisted=false does not', async ({ esmPage, broker, token, topicPrefix }) => {
  const topic = `${topicPrefix}/pageshow`;
  // A 30 s backoff: a reconnect within a few seconds can only come from the pageshow signal.
  await connectSubject(esmPage, { url: broker.urls.ws, token, topic, reconnect: { initialDelayMs: 30_000, maxDelayMs: 30_000, jitter: 'none' } });
  await esmPage.evaluate(() => (window as any).subject.client.simulateConnectionLoss());
  await expect.poll(() => subjectState(esmPage)).toBe('reconnecting');
  // A plain (not restored) pageshow changes nothing.
  await esmPage.evaluate(() => {
    window.dispatchEvent(new Event('pagehide'));
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
  });
  await esmPage.waitForTimeout(1_500);
  expect(await subjectState(esmPage)).toBe('reconnecting');
  // A restore from the back-forward cache: the SDK must not wait 30 s.
  await esmPage.evaluate(() => {
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  });
  await expect.poll(() => subjectState(esmPage), { timeout: 5_000 }).toBe('connected');
  const feeder = await publisher(broker.urls.ws, token);
  try {
    await feeder.publish(topic, 'after pageshow', { qos: 1 });
    await expect.poll(() => subjectMessages(esmPage)).toContain('after pageshow');
  } finally {
    await feeder.close();
  }
});

test('real back-forward cache (bfcache enabled in a dedicated Chromium): going back restores a working client', async ({ broker, token, topicPrefix }, testInfo) => {
  test.setTimeout(90_000);
  // Playwright launches Chromium with --disable-back-forward-cache; this test needs it on.
  const launchOptions = (testInfo.project.use as { launchOptions?: Parameters<typeof chromium.launch>[0] }).launchOptions ?? {};
  const browser = await chromium.launch({ ...launchOptions, headless: true, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  const site = await productionSite();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/esm.html`);
    await page.waitForFunction(() => (window as any).sdkReady === true);
    const topic = `${topicPrefix}/bfcache`;
    await page.evaluate(() => {
      const w = window as any;
      w.lifecycle = [];
      addEventListener('pagehide', (e) => w.lifecycle.push(`pagehide persisted=${e.persisted}`));
      addEventListener('pageshow', (e) => w.lifecycle.push(`pageshow persisted=${e.persisted}`));
    });
    await connectSubject(page, { url: broker.urls.ws, token, topic, reconnect: { initialDelayMs: 30_000, maxDelayMs: 30_000, jitter: 'none' } });
    await page.goto(`${site.url}/umd.html`);
    // A restore from bfcache fires no load event: wait for the commit, then for the page's own objects.
    await page.goBack({ waitUntil: 'commit' });
    const restored = await page.waitForFunction(() => document.readyState === 'complete').then(() => page.evaluate(() => (window as any).subject !== undefined));
    const reasons = await page.evaluate(() => JSON.stringify((performance.getEntriesByType('navigation')[0] as any)?.notRestoredReasons ?? null));
    testInfo.annotations.push({ type: 'bfcache', description: restored ? 'restored from bfcache' : `not restored: the page was loaded again; notRestoredReasons ${reasons}` });
    if (!restored) {
      // Chromium keeps a page with an open WebSocket out of the bfcache (or evicts it): nothing to revive.
      // The synthetic pageshow test above covers the SDK side; record the fact and stop here.
      test.info().annotations.push({ type: 'note', description: 'Chromium did not keep the page with an open WebSocket in the bfcache.' });
      return;
    }
    testInfo.annotations.push({ type: 'lifecycle events', description: JSON.stringify(await page.evaluate(() => (window as any).lifecycle)) });
    // Was a bug (fixed in connection.ts): Chromium closes the socket on entering the bfcache but MQTT.js hears
    // of it only after pageshow; the SDK now drops the socket on pageshow(persisted) and reconnects at once.
    await page.waitForTimeout(1_000);
    testInfo.annotations.push({ type: 'states 1 s after restore', description: JSON.stringify(await page.evaluate(() => (window as any).subject.record.states.map((s: any) => ({ current: s.current, retryInMs: s.retryInMs, code: s.code })))) });
    await expect.poll(() => subjectState(page), { timeout: 5_000 }).toBe('connected');
    const feeder = await publisher(broker.urls.ws, token);
    try {
      await feeder.publish(topic, 'after back', { qos: 1 });
      await expect.poll(() => subjectMessages(page)).toContain('after back');
    } finally {
      await feeder.close();
    }
    testInfo.annotations.push({ type: 'states across bfcache', description: JSON.stringify(await subjectStates(page)) });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
    await site.close();
  }
});
