import { test as base, expect } from './support/fixtures';

// Every spec here hands the page an `issueToken(ttlSeconds, valid)` function backed by the broker, and
// afterwards scans the page's console output and every state/error payload for any token it handed out.
const test = base.extend<{ issued: string[] }>({
  issued: async ({ esmPage, broker, secretScan }, use) => {
    const issued: string[] = [];
    const consoleLines: string[] = [];
    esmPage.on('console', (m) => consoleLines.push(m.text()));
    await esmPage.exposeFunction('issueToken', async (ttl: number, valid = true) => {
      const token = valid ? await broker.issueToken({ sub: 'token-spec', ttl }) : `forged.${Math.random().toString(36).slice(2)}.token`;
      issued.push(token);
      secretScan.addSecret(token);
      return token;
    });
    await use(issued);
    const captured = await esmPage.evaluate(() => JSON.stringify((window as any).harnesses?.map((h: any) => ({ states: h.record.states, errors: h.record.errors })) ?? []));
    const everything = consoleLines.join('\n') + captured;
    for (const token of issued) {
      expect(everything.includes(token), 'a token leaked into console output or event payloads').toBe(false);
    }
  },
});

const fast = { initialDelayMs: 100, maxDelayMs: 500, jitter: 'none' };

// On Mosquitto the token is the password of a fixed user (its password file), so `username` comes
// from the `auth` fixture; aedes verifies a JWT and ignores the username.
const mosquittoHasNo = (what: string) => `Mosquitto's password file has ${what}; that is a dev broker (aedes) feature`;

test('the provider is awaited before every attempt with reason initial, then reconnect across a broker restart', async ({ esmPage, broker, auth, issued }) => {
  await esmPage.evaluate(async ({ url, reconnect, username }) => {
    const w = window as any;
    w.calls = [];
    w.subject = w.makeHarness({
      url, reconnect,
      auth: { username, token: async (ctx: any) => { w.calls.push(ctx); return w.issueToken(3600); } },
    });
    await w.subject.client.connect();
  }, { url: broker.urls.ws, reconnect: fast, username: auth.username });
  await broker.pause();
  await expect.poll(() => esmPage.evaluate(() => (window as any).subject.record.states.filter((s: any) => s.current === 'connecting').length)).toBeGreaterThanOrEqual(3);
  await broker.resume();
  await expect.poll(() => esmPage.evaluate(() => (window as any).subject.client.state)).toBe('connected');
  const { calls, attempts } = await esmPage.evaluate(() => {
    const w = window as any;
    return { calls: w.calls, attempts: w.subject.record.states.filter((s: any) => s.current === 'connecting').length };
  });
  // aedes refuses MQTT 5 on the very first attempt: that retry with 3.1.1 asks for a token too.
  // Mosquitto takes MQTT 5 at once: one call per attempt.
  const fallback = broker.kind === 'aedes' ? 1 : 0;
  expect(calls.length).toBe(attempts + fallback);
  expect(calls[0]).toEqual({ attempt: 1, reason: 'initial' });
  expect(calls.slice(1 + fallback).map((c: any) => c.reason)).toEqual(Array(calls.length - 1 - fallback).fill('reconnect'));
  expect(issued.length).toBe(calls.length);
});

for (const placement of ['password', 'username', 'query'] as const) {
  test(`placement "${placement}": the broker accepts the token where the SDK puts it`, async ({ esmPage, broker, auth, issued }) => {
    test.skip(broker.kind === 'mosquitto' && placement !== 'password', mosquittoHasNo('a fixed username and never reads the URL query'));
    const username = auth.username ?? 'dashboard';
    const result = await esmPage.evaluate(async ({ url, placement, username }) => {
      const w = window as any;
      const packets: any[] = [];
      const { client } = w.makeHarness({ url, auth: { token: () => w.issueToken(600), placement, username: placement === 'password' ? username : undefined } });
      client.on('packet', (p: any) => { if (p.packet.cmd === 'connect') packets.push({ username: p.packet.username, password: p.packet.password }); });
      await client.connect();
      const state = client.state;
      await client.close();
      return { state, connect: packets.at(-1) };
    }, { url: broker.urls.ws, placement, username });
    expect(result.state).toBe('connected');
    expect(issued.length).toBeGreaterThan(0);
    if (placement === 'password') expect(result.connect).toEqual({ username, password: '[REDACTED]' });
    if (placement === 'username') expect(result.connect).toEqual({ username: '[REDACTED]' });
    if (placement === 'query') expect(result.connect.password).toBeUndefined();
  });
}

test('a rejected token: the provider is asked once more at once (reason rejected), then failed with AUTH_FAILED', async ({ esmPage, broker, auth, issued }) => {
  const result = await esmPage.evaluate(async ({ url, username }) => {
    const w = window as any;
    const calls: any[] = [];
    const { client, record } = w.makeHarness({ url, protocolVersion: 4, auth: { username, token: async (ctx: any) => { calls.push(ctx.reason); return w.issueToken(600, false); } } });
    let error;
    try { await client.connect(); } catch (e) { error = w.errorInfo(e); }
    // Nothing more happens afterwards: no loop hammering the broker.
    await new Promise((r) => setTimeout(r, 1_000));
    return { error, calls, state: client.state, states: record.states.map((s: any) => s.current) };
  }, { url: broker.urls.ws, username: auth.username });
  expect(result.calls).toEqual(['initial', 'rejected']);
  expect(result.error.code).toBe('AUTH_FAILED');
  expect(result.state).toBe('failed');
  expect(result.states).toEqual(['connecting', 'reconnecting', 'connecting', 'failed']);
});

test('connect() after failed starts over and asks the provider with reason initial', async ({ esmPage, broker, auth, issued }) => {
  const result = await esmPage.evaluate(async ({ url, username }) => {
    const w = window as any;
    const calls: string[] = [];
    let good = false;
    const { client } = w.makeHarness({ url, protocolVersion: 4, auth: { username, token: async (ctx: any) => { calls.push(ctx.reason); return w.issueToken(600, good); } } });
    await client.connect().catch(() => {});
    good = true;
    await client.connect();
    const state = client.state;
    await client.close();
    return { calls, state };
  }, { url: broker.urls.ws, username: auth.username });
  expect(result.calls).toEqual(['initial', 'rejected', 'initial']);
  expect(result.state).toBe('connected');
});

test('a 5 s token with refreshBeforeExpiryMs 2000 on a broker that kicks expired clients: refreshed in time, 1,000 QoS 1 publishes all arrive', async ({ esmPage, broker, topicPrefix, issued }) => {
  test.skip(broker.kind === 'mosquitto', mosquittoHasNo('no token expiry and does not kick expired clients (disconnectOnExpiry)'));
  test.setTimeout(60_000);
  const topic = `${topicPrefix}/refresh`;
  const result = await esmPage.evaluate(async ({ url, topic }) => {
    const w = window as any;
    const sub = w.makeHarness({ url, auth: { token: () => w.issueToken(3600) } }).client;
    await sub.connect();
    const got = new Set<string>();
    await sub.subscribe(topic, (m: any) => got.add(m.text()), { qos: 1 });
    const reasons: string[] = [];
    const pub = w.makeHarness({
      url, reconnect: { initialDelayMs: 100, jitter: 'none' },
      // JWT exp has whole seconds, so the token lives 4-5 s; the 2 s margin leaves a loaded machine
      // time to drain in-flight QoS 1 and reconnect before the broker's kick.
      auth: { token: async (ctx: any) => { reasons.push(ctx.reason); return w.issueToken(5); }, refreshBeforeExpiryMs: 2000 },
    });
    await pub.client.connect();
    // 1,000 messages over ~7 s: the refresh (and the first token's expiry) falls inside the stream.
    const outcomes: Promise<string>[] = [];
    for (let i = 0; i < 1000; i++) {
      outcomes.push(pub.client.publish(topic, String(i), { qos: 1 }).then(() => 'ok', (e: any) => e.code));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 70));
    }
    const settled = await Promise.all(outcomes);
    const deadline = Date.now() + 10_000;
    while (got.size < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await pub.client.close();
    await sub.close();
    return { outcomes: [...new Set(settled)], received: got.size, reasons, states: pub.record.states.map((s: any) => [s.current, s.code ?? null]) };
  }, { url: broker.urls.ws, topic });
  expect(result.outcomes).toEqual(['ok']);
  expect(result.received).toBe(1000);
  expect(result.reasons[0]).toBe('initial');
  expect(result.reasons).toContain('expiring');
  // Refreshed before the broker kicked it: no lost connection, only planned reconnects.
  expect(result.states.filter(([s]: any) => s === 'reconnecting')).toEqual([]);
});

test('a provider that throws, then hangs: backoff with a clear error each time, then success when it recovers', async ({ esmPage, broker, auth, issued }) => {
  const result = await esmPage.evaluate(async ({ url, username }) => {
    const w = window as any;
    let call = 0;
    const { client, record } = w.makeHarness({
      url, protocolVersion: 4, reconnect: { initialDelayMs: 50, jitter: 'none' },
      auth: {
        username,
        providerTimeoutMs: 300,
        token: async () => {
          call++;
          if (call === 1) throw new Error('token backend down');
          if (call === 2) return new Promise(() => {});
          return w.issueToken(600);
        },
      },
    });
    await client.connect();
    return { state: client.state, calls: call, waits: record.states.filter((s: any) => s.current === 'reconnecting').map((s: any) => ({ code: s.code, message: s.reasonMessage, retryInMs: s.retryInMs })) };
  }, { url: broker.urls.ws, username: auth.username });
  expect(result.state).toBe('connected');
  expect(result.calls).toBe(3);
  expect(result.waits).toHaveLength(2);
  expect(result.waits[0]).toMatchObject({ code: 'AUTH_FAILED', retryInMs: 50 });
  expect(result.waits[0].message).toContain('token provider failed');
  expect(result.waits[1]).toMatchObject({ code: 'AUTH_FAILED', retryInMs: 100 });
  expect(result.waits[1].message).toContain('did not answer within 300 ms');
});

test('INSECURE_TRANSPORT for a token over ws:// to a non-loopback host, and nothing is sent', async ({ esmPage, issued }) => {
  const sockets: string[] = [];
  esmPage.on('websocket', (ws) => sockets.push(ws.url()));
  const result = await esmPage.evaluate(async () => {
    const w = window as any;
    let called = false;
    const { client } = w.makeHarness({ url: 'ws://example.com:8084/mqtt', auth: { token: () => { called = true; return w.issueToken(600); } } });
    let error;
    try { await client.connect(); } catch (e) { error = w.errorInfo(e); }
    return { error, called, state: client.state };
  });
  expect(result.error.code).toBe('INSECURE_TRANSPORT');
  expect(result.error.message).toContain('wss://');
  expect(result.called).toBe(false);
  expect(result.state).toBe('failed');
  expect(sockets).toEqual([]);
});
