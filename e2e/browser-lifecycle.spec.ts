import { test, expect } from './support/fixtures';

test('browser offline -> state offline with no attempts; back online -> connected within 1 s', async ({ esmPage, broker, auth, context }) => {
  await esmPage.evaluate(async ({ url, auth }) => {
    const w = window as any;
    // A long backoff: coming back must not wait for it.
    w.subject = w.makeHarness({ url, auth, reconnect: { initialDelayMs: 20_000, jitter: 'none' } });
    await w.subject.client.connect();
  }, { url: broker.urls.ws, auth });
  await context.setOffline(true);
  await expect.poll(() => esmPage.evaluate(() => (window as any).subject.client.state)).toBe('offline');
  // Stay offline for a while: no connection attempt happens.
  await esmPage.waitForTimeout(1_500);
  const whileOffline = await esmPage.evaluate(() => (window as any).subject.record.states.map((s: any) => s.current));
  expect(whileOffline.filter((s: string) => s === 'connecting')).toHaveLength(1);
  const backAt = Date.now();
  await context.setOffline(false);
  await expect.poll(() => esmPage.evaluate(() => (window as any).subject.client.state), { timeout: 5_000 }).toBe('connected');
  const states = await esmPage.evaluate(() => (window as any).subject.record.states);
  const connectedAt = states.at(-1).at;
  expect(states.map((s: any) => s.current)).toEqual(expect.arrayContaining(['offline', 'connecting', 'connected']));
  expect(connectedAt - backAt).toBeLessThan(1_000);
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
