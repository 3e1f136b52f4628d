import { test, expect } from './support/fixtures';

/** The `current` of every state a page client went through. */
const statesOf = (page: import('@playwright/test').Page, name: 'subject' | 'control') =>
  page.evaluate((n) => (window as any)[n].record.states.map((s: any) => s.current) as string[], name);
const attempts = (states: string[]) => states.filter((s) => s === 'connecting').length;

test('browser offline -> state offline and no attempt while a client ignoring offline keeps trying; back online -> connects without a backoff wait', async ({ esmPage, broker, auth, context }) => {
  await esmPage.evaluate(async ({ url, auth }) => {
    const w = window as any;
    // A backoff this short makes a client that ignores `offline` attempt every 100-200 ms.
    const reconnect = { initialDelayMs: 100, maxDelayMs: 200, jitter: 'none' };
    w.subject = w.makeHarness({ url, auth, reconnect });
    // The control ignores the browser's online/offline events: what the subject would do without them.
    w.control = w.makeHarness({ url, auth, reconnect, browserEvents: false });
    await Promise.all([w.subject.client.connect(), w.control.client.connect()]);
  }, { url: broker.urls.ws, auth });
  await context.setOffline(true);
  await expect.poll(() => esmPage.evaluate(() => navigator.onLine)).toBe(false);
  // Chromium's offline emulation leaves open sockets alone; a real network loss ends them: so does the broker here.
  await broker.dropConnections();
  // The positive marker: the control has lost its socket and made three attempts since, so the backoff
  // has run out several times over while the network was down.
  await expect.poll(async () => attempts(await statesOf(esmPage, 'control'))).toBeGreaterThanOrEqual(4);
  const whileOffline = await statesOf(esmPage, 'subject');
  expect(attempts(whileOffline), `the subject attempted while offline: ${whileOffline.join(' -> ')}`).toBe(1);
  expect(whileOffline.at(-1)).toBe('offline');
  await context.setOffline(false);
  await expect.poll(() => esmPage.evaluate(() => (window as any).subject.client.state)).toBe('connected');
  // Straight from offline to an attempt: no `reconnecting` (a backoff wait) in between.
  const states = await statesOf(esmPage, 'subject');
  expect(states.slice(states.lastIndexOf('offline'))).toEqual(['offline', 'connecting', 'connected']);
});

test('200 forced reconnect cycles leave window/document listeners and live timers flat', async ({ esmPage, broker, auth }) => {
  test.setTimeout(120_000);
  const result = await esmPage.evaluate(async ({ url, auth }) => {
    const w = window as any;
    // Count live timers and listeners from here on (the SDK is already loaded; nothing ran at import).
    const liveTimeouts = new Set<number>();
    const liveIntervals = new Set<number>();
    const origSetTimeout = w.setTimeout.bind(w);
    const origClearTimeout = w.clearTimeout.bind(w);
    const origSetInterval = w.setInterval.bind(w);
    const origClearInterval = w.clearInterval.bind(w);
    w.setTimeout = (fn: any, ms: any, ...args: any[]) => {
      const id = origSetTimeout((...a: any[]) => { liveTimeouts.delete(id); typeof fn === 'function' && fn(...a); }, ms, ...args);
      liveTimeouts.add(id);
      return id;
    };
    w.clearTimeout = (id: any) => { liveTimeouts.delete(id); origClearTimeout(id); };
    w.setInterval = (fn: any, ms: any, ...args: any[]) => { const id = origSetInterval(fn, ms, ...args); liveIntervals.add(id); return id; };
    w.clearInterval = (id: any) => { liveIntervals.delete(id); origClearInterval(id); };
    let listeners = 0;
    for (const target of [window, document]) {
      const add = target.addEventListener.bind(target);
      const remove = target.removeEventListener.bind(target);
      (target as any).addEventListener = (...a: any[]) => { listeners++; return (add as any)(...a); };
      (target as any).removeEventListener = (...a: any[]) => { listeners--; return (remove as any)(...a); };
    }
    const { client } = w.makeHarness({ url, auth, reconnect: { initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' } });
    await client.connect();
    const waitConnected = () => new Promise<void>((resolve) => {
      const off = client.on('state', (s: any) => { if (s.current === 'connected') { off(); resolve(); } });
    });
    const settle = () => new Promise((r) => origSetTimeout(r, 50));
    await settle();
    const before = { timeouts: liveTimeouts.size, intervals: liveIntervals.size, listeners, sdkListeners: 0 };
    for (let i = 0; i < 200; i++) {
      const back = waitConnected();
      client.simulateConnectionLoss();
      await back;
    }
    await settle();
    const after = { timeouts: liveTimeouts.size, intervals: liveIntervals.size, listeners };
    await client.close();
    await settle();
    const closed = { timeouts: liveTimeouts.size, intervals: liveIntervals.size, listeners };
    return { before, after, closed, connects: w.harnesses.at(-1).record.connects.length };
  }, { url: broker.urls.ws, auth });
  expect(result.connects).toBe(201);
  expect(result.after.timeouts).toBeLessThanOrEqual(result.before.timeouts);
  expect(result.after.intervals).toBeLessThanOrEqual(result.before.intervals);
  expect(result.after.listeners).toBe(result.before.listeners);
  // After close() nothing of the client's is left: no listener on window/document, no timer.
  expect(result.closed.listeners).toBe(0);
  expect(result.closed.timeouts).toBe(0);
  test.info().annotations.push({ type: 'leak check (before / after 200 cycles / after close)', description: JSON.stringify(result) });
});
