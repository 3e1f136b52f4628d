import { startBroker } from '@webmqtt/broker';
import { test, expect } from './support/fixtures';
import { reachableText } from '../packages/client/test/support/reachable-text';

// The security issue's browser-side findings, in Chromium on the ESM browser build against the dev broker:
// secrets reachable through a client in the page, credentials over ws:// without a token, filters that MQTT.js
// reads as object internals, and which hosts a browser may send credentials to over plain ws://.

/** JSON of a value that may be cyclic: a repeated object becomes "[cycle]". Self-contained: also run in the page. */
function cycleSafeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  }) ?? '';
}

test('a client in the page: no token, userinfo or query credential in what JSON.stringify, a serializer or Playwright\'s jsonValue() reaches, before and after connect()', async ({ esmPage, broker, auth }) => {
  const url = new URL(broker.urls.ws);
  url.username = 'dev';
  url.password = 'hunter2-page';
  url.searchParams.set('api_key', 'qsecret-1234567890');
  // What a log or telemetry serializer reaches from the client, and its JSON with cycles cut, computed in the page.
  const toText = `(root) => (${reachableText.toString()})(root) + '\\n' + (${cycleSafeJson.toString()})(root)`;
  // What Playwright's jsonValue() (its serializer, over the DevTools protocol) reads of the client.
  const overProtocol = async (): Promise<string> => {
    const handle = await esmPage.evaluateHandle(() => (window as any).securitySubject);
    const text = cycleSafeJson(await handle.jsonValue().catch((e: unknown) => `unserializable: ${String(e)}`));
    await handle.dispose();
    return text;
  };
  const before = await esmPage.evaluate(({ url, auth, toText }) => {
    const w = window as any;
    w.securitySubject = w.WebMqtt.createClient({ url, protocolVersion: 4, reconnect: false, auth });
    return (new Function(`return (${toText})`)() as (root: unknown) => string)(w.securitySubject);
  }, { url: url.href, auth, toText });
  const beforeProtocol = await overProtocol();
  const after = await esmPage.evaluate(async ({ toText }) => {
    const client = (window as any).securitySubject;
    await client.connect();
    await client.subscribe('security/a', () => {});
    return (new Function(`return (${toText})`)() as (root: unknown) => string)(client);
  }, { toText });
  const afterProtocol = await overProtocol();
  await esmPage.evaluate(() => (window as any).securitySubject.close());
  const secrets = [auth.token, auth.token.split('.')[2]!, 'hunter2-page', 'qsecret-1234567890'];
  for (const [surface, text] of Object.entries({ before, beforeProtocol, after, afterProtocol })) {
    // Before the fix: opts.auth.token and opts.url before connect(); after it also the connection's token and
    // URL fields and MQTT.js's options (password, the URL's userinfo and query).
    expect(secrets.filter((s) => text.includes(s)), surface).toEqual([]);
  }
  // The surfaces were really read: each shows the client's options, the harmless ones.
  for (const text of [before, beforeProtocol, after, afterProtocol]) expect(text).toContain('"clientId"');
});

test('userinfo or a credential in the query over ws:// to another host, with no auth option: INSECURE_TRANSPORT and no WebSocket opened', async ({ esmPage }) => {
  const opened: string[] = [];
  // Nothing leaves the machine: any WebSocket the page opens is answered here, never by the network.
  await esmPage.routeWebSocket(/.*/, (ws) => {
    opened.push(ws.url());
    void ws.close();
  });
  const results = await esmPage.evaluate(async () => {
    const w = window as any;
    const out: Array<{ code: string | undefined; message: string; state: string }> = [];
    for (const url of ['ws://dev:hunter2@broker.example:1883/mqtt', 'ws://broker.example:1883/mqtt?access_token=page-tok-1234567890']) {
      const client = w.WebMqtt.createClient({ url, reconnect: false, connectTimeoutMs: 2_000 });
      const error = await client.connect().then(() => undefined, (e: any) => e);
      out.push({ code: error?.code, message: String(error?.message), state: client.state });
      await client.close();
    }
    return out;
  });
  // Before the fix: both connected as far as the socket: two WebSockets to broker.example, credentials in the URL.
  expect(opened).toEqual([]);
  expect(results.map((r) => [r.code, r.state])).toEqual([['INSECURE_TRANSPORT', 'failed'], ['INSECURE_TRANSPORT', 'failed']]);
  expect(results[0]!.message).toContain('credentials (userinfo)');
  expect(results[1]!.message).toContain('credentials (query parameter "access_token")');
  expect(JSON.stringify(results)).not.toMatch(/hunter2|page-tok-1234567890/);
});

test('subscribe("__proto__") and subscribe("resubscribe") over MQTT 3.1.1 settle against the broker and get their messages', async ({ esmPage, broker, auth }) => {
  const result = await esmPage.evaluate(async ({ url, auth }) => {
    const w = window as any;
    const { client } = w.makeHarness({ url, auth, protocolVersion: 4, reconnect: false });
    await client.connect();
    const within = <T,>(p: Promise<T>, what: string): Promise<T | string> =>
      Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve(`${what}: did not settle in 5 s`), 5_000))]);
    const got: string[] = [];
    const outcomes: string[] = [];
    for (const filter of ['__proto__', 'resubscribe', 'constructor']) {
      // Before the fix '__proto__' and 'resubscribe' never settled: MQTT.js sent no SUBSCRIBE for them.
      const sub = await within(client.subscribe(filter, (m: any) => got.push(`${m.topic}=${m.text()}`), { qos: 1 }).then(() => `${filter}: subscribed`, (e: any) => `${filter}: ${e.code}`), filter);
      outcomes.push(sub as string);
    }
    for (const filter of ['__proto__', 'resubscribe', 'constructor']) await client.publish(filter, 'hi', { qos: 1 });
    const deadline = Date.now() + 5_000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await client.close();
    return { outcomes, got: got.sort() };
  }, { url: broker.urls.ws, auth });
  expect(result.outcomes).toEqual(['__proto__: subscribed', 'resubscribe: subscribed', 'constructor: subscribed']);
  expect(result.got).toEqual(['__proto__=hi', 'constructor=hi', 'resubscribe=hi']);
});

test('in a browser a *.localhost host is this machine (Chromium resolves it to loopback itself): a token over ws:// reaches the broker', async ({ esmPage }) => {
  // A broker of its own: the shared one answers only Host names it knows (its guard against DNS rebinding).
  const local = await startBroker({ wsPort: 0, wssPort: 0, allowedHosts: ['broker.localhost'], auth: { jwt: { secret: 'security-client-spec-secret-for-hs256' } } });
  try {
    const token = await local.issueToken({ sub: 'localhost-spec', ttl: 600 });
    const port = new URL(local.urls.ws).port;
    const state = await esmPage.evaluate(async ({ url, token }) => {
      const { client } = (window as any).makeHarness({ url, auth: { token }, protocolVersion: 4, reconnect: false });
      const error = await client.connect().then(() => undefined, (e: any) => e.code);
      const state = client.state;
      await client.close();
      return error ?? state;
    }, { url: `ws://broker.localhost:${port}/mqtt`, token });
    // Node.js refuses the same URL (security-transport.test.ts): there the name goes to the system resolver.
    expect(state).toBe('connected');
  } finally {
    await local.stop();
  }
});
