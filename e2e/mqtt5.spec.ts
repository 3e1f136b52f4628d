import type { BrowserContext, Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { FORBIDDEN_PREFIX, MOSQUITTO_TOPIC_ALIAS_MAXIMUM } from './support/mosquitto';

// MQTT 5 features, proven on Mosquitto 2.0 (aedes speaks 3.1.1 only). Every client here asks for
// protocolVersion 5 explicitly, so a silent fallback to 3.1.1 cannot make a test pass.
const NEEDS_MQTT5 = 'MQTT 5 needs mosquitto: the aedes dev broker speaks MQTT 3.1.1 only';

test.describe('MQTT 5 on Mosquitto', () => {
  test.skip(({ brokerKind }) => brokerKind !== 'mosquitto', NEEDS_MQTT5);

  test('user properties, content type and payload format indicator arrive as published', async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
      const w = window as any;
      const pub = w.makeHarness({ url, auth, protocolVersion: 5 }).client;
      const sub = w.makeHarness({ url, auth, protocolVersion: 5 }).client;
      await Promise.all([pub.connect(), sub.connect()]);
      let arrived!: (m: any) => void;
      const got = new Promise<any>((resolve) => { arrived = resolve; });
      // subscribe() resolves on the SUBACK: from then on the broker routes the topic to `sub`.
      await sub.subscribe(topic, (m: any) => arrived(m), { qos: 1 });
      await pub.publish(topic, '{"celsius":21.5}', {
        qos: 1,
        properties: { userProperties: { unit: 'C', sensor: ['north', 'south'] }, contentType: 'application/json', payloadFormatIndicator: true },
      });
      const m = await got;
      await Promise.all([pub.close(), sub.close()]);
      const p = m.properties ?? {};
      return { json: m.json(), userProperties: p.userProperties, contentType: p.contentType, payloadFormatIndicator: p.payloadFormatIndicator, protocolVersion: sub.protocolVersion };
    }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/props` });
    expect(result).toEqual({
      json: { celsius: 21.5 },
      userProperties: { unit: 'C', sensor: ['north', 'south'] },
      contentType: 'application/json',
      payloadFormatIndicator: true,
      protocolVersion: 5,
    });
  });

  test('message expiry: a retained message past its expiry interval is gone; one within it arrives with the remaining interval', async ({ esmPage, broker, auth, topicPrefix }) => {
    const prefix = `${topicPrefix}/expiry`;
    /** The retained messages under `prefix` a new subscription gets: those that arrive before a sentinel published after the SUBACK. */
    const retained = () => esmPage.evaluate(async ({ url, auth, prefix }) => {
      const w = window as any;
      const sub = w.makeHarness({ url, auth, protocolVersion: 5 }).client;
      await sub.connect();
      const got: any[] = [];
      let sentinel!: () => void;
      const done = new Promise<void>((resolve) => { sentinel = resolve; });
      await sub.subscribe(`${prefix}/#`, (m: any) => {
        if (m.topic === `${prefix}/sentinel`) sentinel();
        else got.push({ topic: m.topic.slice(prefix.length + 1), text: m.text(), expiry: m.properties?.messageExpiryInterval });
      }, { qos: 1 });
      // The broker sends the retained messages with the SUBACK, before anything published after it.
      await sub.publish(`${prefix}/sentinel`, 'after the retained ones', { qos: 1 });
      await done;
      await sub.close();
      return got;
    }, { url: broker.urls.ws, auth, prefix });
    await esmPage.evaluate(async ({ url, auth, prefix }) => {
      const pub = (window as any).makeHarness({ url, auth, protocolVersion: 5 }).client;
      await pub.connect();
      // 5 s: long enough for the control below on a loaded 2-core machine (2 s expired before it once, load 14).
      await pub.publish(`${prefix}/short`, 'expires in 5 s', { qos: 1, retain: true, properties: { messageExpiryInterval: 5 } });
      await pub.publish(`${prefix}/long`, 'expires in 60 s', { qos: 1, retain: true, properties: { messageExpiryInterval: 60 } });
      await pub.close();
    }, { url: broker.urls.ws, auth, prefix });
    // Control: both were retained, so the short one's absence later is its expiry.
    expect((await retained()).map((m) => m.topic).sort()).toEqual(['long', 'short']);
    await expect.poll(async () => (await retained()).map((m) => m.topic), { timeout: 15_000 }).toEqual(['long']);
    const [long] = await retained();
    expect(long).toMatchObject({ topic: 'long', text: 'expires in 60 s' });
    // The broker hands on what is left of the interval, not the original 60.
    expect(long.expiry).toBeGreaterThan(40);
    expect(long.expiry).toBeLessThan(60);
  });

  test(`topic aliases: the broker announces topicAliasMaximum ${MOSQUITTO_TOPIC_ALIAS_MAXIMUM} and aliased publishes are delivered on the full topic`, async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
      const w = window as any;
      const h = w.makeHarness({ url, auth, protocolVersion: 5 });
      let connack: any;
      h.client.on('packet', ({ direction, packet }: any) => { if (direction === 'in' && packet.cmd === 'connack') connack = packet.properties; });
      await h.client.connect();
      const got: string[] = [];
      await h.client.subscribe(topic, (m: any) => got.push(`${m.topic}=${m.text()}`), { qos: 1 });
      for (let i = 0; i < 3; i++) await h.client.publish(topic, `aliased ${i}`, { qos: 1, properties: { topicAlias: connack.topicAliasMaximum } });
      const deadline = Date.now() + 3_000;
      while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const states = h.record.states.map((s: any) => s.current);
      await h.client.close();
      return { topicAliasMaximum: connack.topicAliasMaximum, got, states };
    }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/alias` });
    expect(result.topicAliasMaximum).toBe(MOSQUITTO_TOPIC_ALIAS_MAXIMUM);
    expect(result.got).toEqual([0, 1, 2].map((i) => `${topicPrefix}/alias=aliased ${i}`));
    expect(result.states).toEqual(['connecting', 'connected']);
  });

  test('topic aliases: an alias above the broker\'s topicAliasMaximum is refused with a typed error; the client goes on', async ({ esmPage, broker, auth, topicPrefix }) => {
    // MQTT.js drops its own 'Sending Topic Alias out of range' error, which would leave the publish pending: the SDK
    // checks 1 <= topicAlias <= the CONNACK's topicAliasMaximum before sending.
    const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
      const w = window as any;
      const h = w.makeHarness({ url, auth, protocolVersion: 5 });
      let connack: any;
      h.client.on('packet', ({ direction, packet }: any) => { if (direction === 'in' && packet.cmd === 'connack') connack = packet.properties; });
      await h.client.connect();
      const got: string[] = [];
      await h.client.subscribe(topic, (m: any) => got.push(m.text()), { qos: 1 });
      // Bounded: a publish that never settles shows up as 'pending' instead of a test timeout.
      const settle = (p: Promise<unknown>, ms = 3_000) => Promise.race([
        p.then(() => 'resolved', (e: any) => w.errorInfo(e)),
        new Promise((r) => setTimeout(() => r('pending'), ms)),
      ]);
      const beyond = await settle(h.client.publish(topic, 'alias too big', { qos: 1, properties: { topicAlias: connack.topicAliasMaximum + 1 } }));
      const after = await settle(h.client.publish(topic, 'after', { qos: 1 }));
      const deadline = Date.now() + 3_000;
      while (!got.includes('after') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const states = h.record.states.map((s: any) => s.current);
      await h.client.close();
      return { beyond, after, got, states };
    }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/alias` });
    test.info().annotations.push({ type: 'observed', description: JSON.stringify(result) });
    expect(result.after).toBe('resolved');
    expect(result.got).toEqual(['after']);
    expect(result.states).toEqual(['connecting', 'connected']);
    expect(result.beyond).toMatchObject({ isWebMqttError: true });
  });

  test('session expiry with clean: false: messages published while the browser was away are delivered when it returns', async ({ context, site, broker, auth, topicPrefix }) => {
    const topic = `${topicPrefix}/away`;
    const clientId = `away-${Date.now().toString(36)}`;
    const options = { url: broker.urls.ws, auth, clientId, protocolVersion: 5, clean: false, sessionExpiryInterval: 120 };
    const first = await openEsm(context, site.url);
    await first.evaluate(async ({ options, topic }) => {
      const { client } = (window as any).makeHarness(options);
      await client.connect();
      await client.subscribe(topic, () => {}, { qos: 1 });
    }, { options, topic });
    // The tab goes away without a DISCONNECT: the broker keeps the session for 120 s.
    await first.close();
    const publisher = await openEsm(context, site.url);
    await publisher.evaluate(async ({ url, auth, topic }) => {
      const { client } = (window as any).makeHarness({ url, auth, protocolVersion: 5 });
      await client.connect();
      for (const text of ['one', 'two', 'three']) await client.publish(topic, text, { qos: 1 });
      await client.close();
    }, { url: broker.urls.ws, auth, topic });
    const back = await openEsm(context, site.url);
    const result = await back.evaluate(async ({ options, topic }) => {
      const { client, record } = (window as any).makeHarness(options);
      await client.connect();
      // The session's stored messages go out on the CONNACK, before one published now: any copy of them comes before it.
      let sentinel!: () => void;
      const done = new Promise<void>((resolve) => { sentinel = resolve; });
      await client.subscribe(topic, (m: any) => { if (m.text() === 'sentinel') sentinel(); }, { qos: 1 });
      await client.publish(topic, 'sentinel', { qos: 1 });
      await done;
      await client.close();
      const texts: string[] = record.messages.map((m: any) => m.text);
      return { connects: record.connects, texts: texts.slice(0, texts.indexOf('sentinel')) };
    }, { options, topic });
    expect(result.connects).toEqual([{ sessionPresent: true }]);
    expect(result.texts).toEqual(['one', 'two', 'three']);
  });

  test('without a session expiry interval an MQTT 5 session ends with the connection, even with clean: false', async ({ context, site, broker, auth, topicPrefix }) => {
    const topic = `${topicPrefix}/gone`;
    const options = { url: broker.urls.ws, auth, clientId: `gone-${Date.now().toString(36)}`, protocolVersion: 5, clean: false };
    const first = await openEsm(context, site.url);
    await first.evaluate(async ({ options, topic }) => {
      const { client } = (window as any).makeHarness(options);
      await client.connect();
      await client.subscribe(topic, () => {}, { qos: 1 });
    }, { options, topic });
    await first.close();
    const back = await openEsm(context, site.url);
    const result = await back.evaluate(async ({ options, topic }) => {
      const w = window as any;
      const pub = w.makeHarness({ url: options.url, auth: options.auth, protocolVersion: 5 }).client;
      await pub.connect();
      await pub.publish(topic, 'nobody home', { qos: 1 });
      await pub.close();
      const { client, record } = w.makeHarness(options);
      await client.connect();
      // A kept session would deliver 'nobody home' on the CONNACK, before a message published now.
      let sentinel!: () => void;
      const done = new Promise<void>((resolve) => { sentinel = resolve; });
      await client.subscribe(topic, (m: any) => { if (m.text() === 'sentinel') sentinel(); }, { qos: 1 });
      await client.publish(topic, 'sentinel', { qos: 1 });
      await done;
      await client.close();
      return { connects: record.connects, messages: record.messages.filter((m: any) => m.text !== 'sentinel').length };
    }, { options, topic });
    expect(result).toEqual({ connects: [{ sessionPresent: false }], messages: 0 });
  });

  test('subscription options: no-local drops own publishes; retain-as-published keeps the flag; retain handling 0/1/2', async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await esmPage.evaluate(async ({ url, auth, prefix }) => {
      const w = window as any;
      const make = async () => {
        const c = w.makeHarness({ url, auth, protocolVersion: 5 }).client;
        await c.connect();
        return c;
      };
      /** Resolves once `list` has an entry for which `found` holds (the test's timeout bounds the wait). */
      const until = async (list: unknown[], found: (entry: any) => boolean) => {
        while (!list.some(found)) await new Promise((r) => setTimeout(r, 10));
      };
      const [me, other] = await Promise.all([make(), make()]);

      // No Local: my own publish does not come back to me; someone else's does. 'theirs' is published after the
      // broker acknowledged 'mine', so a copy of 'mine' would arrive before it.
      const nl: string[] = [];
      await me.subscribe(`${prefix}/nl`, (m: any) => nl.push(m.text()), { qos: 1, nl: true });
      await me.publish(`${prefix}/nl`, 'mine', { qos: 1 });
      await other.publish(`${prefix}/nl`, 'theirs', { qos: 1 });
      await until(nl, (t) => t === 'theirs');

      // Retain As Published: a live retained publish keeps retain=1 only for the rap subscriber. A plain sentinel
      // published after it marks the end of what each subscriber gets.
      const rap: Record<string, Array<{ text: string; retain: boolean }>> = { rap: [], plain: [] };
      const [a, b] = await Promise.all([make(), make()]);
      await a.subscribe(`${prefix}/rap`, (m: any) => rap.rap!.push({ text: m.text(), retain: m.retain }), { qos: 1, rap: true, rh: 2 });
      await b.subscribe(`${prefix}/rap`, (m: any) => rap.plain!.push({ text: m.text(), retain: m.retain }), { qos: 1, rh: 2 });
      await other.publish(`${prefix}/rap`, 'live and retained', { qos: 1, retain: true });
      await other.publish(`${prefix}/rap`, 'sentinel', { qos: 1 });
      await Promise.all([until(rap.rap!, (m) => m.text === 'sentinel'), until(rap.plain!, (m) => m.text === 'sentinel')]);

      // Retain Handling: 0 always sends the retained message, 1 only for a new subscription, 2 never. The retained
      // message comes with the SUBACK, so before a sentinel published once all three are subscribed.
      await other.publish(`${prefix}/rh`, 'kept', { qos: 1, retain: true });
      const rh: Record<string, string[]> = { 0: [], 1: [], 2: [] };
      const subs = await Promise.all([0, 1, 2].map(async (mode) => {
        const c = await make();
        await c.subscribe(`${prefix}/rh`, (m: any) => rh[mode]!.push(m.text()), { qos: 1, rh: mode });
        return c;
      }));
      await other.publish(`${prefix}/rh`, 'sentinel', { qos: 1 });
      await Promise.all([0, 1, 2].map((mode) => until(rh[mode]!, (t) => t === 'sentinel')));
      for (const c of [me, other, a, b, ...subs]) await c.close();
      return { nl, rap, rh };
    }, { url: broker.urls.ws, auth, prefix: `${topicPrefix}/subopts` });
    expect(result.nl).toEqual(['theirs']);
    expect(result.rap).toEqual({
      rap: [{ text: 'live and retained', retain: true }, { text: 'sentinel', retain: false }],
      plain: [{ text: 'live and retained', retain: false }, { text: 'sentinel', retain: false }],
    });
    expect(result.rh).toEqual({ 0: ['kept', 'sentinel'], 1: ['kept', 'sentinel'], 2: ['sentinel'] });
  });

  test('a SUBSCRIBE the broker refuses rejects with SUBSCRIBE_REJECTED carrying the reason code (0x87 not authorized); the client goes on', async ({ esmPage, broker, auth, topicPrefix }) => {
    test.skip(broker.kind === 'mosquitto' && !broker.refusesForbiddenSubscriptions, 'mosquitto_dynamic_security.so is not installed: Mosquitto 2.0 refuses no SUBSCRIBE without it');
    const result = await esmPage.evaluate(async ({ url, auth, forbidden, allowed }) => {
      const w = window as any;
      const { client, record } = w.makeHarness({ url, auth, protocolVersion: 5 });
      await client.connect();
      let error: any;
      try {
        await client.subscribe(forbidden, () => {}, { qos: 1 });
      } catch (e: any) {
        error = { ...w.errorInfo(e), reasonCode: e.reasonCode };
      }
      let arrived!: (text: string) => void;
      const got = new Promise<string>((resolve) => { arrived = resolve; });
      await client.subscribe(allowed, (m: any) => arrived(m.text()), { qos: 1 });
      await client.publish(allowed, 'still fine', { qos: 1 });
      const text = await got;
      const state = client.state;
      await client.close();
      return { error, text, state, states: record.states.map((s: any) => s.current) };
    }, { url: broker.urls.ws, auth, forbidden: `${FORBIDDEN_PREFIX}/${topicPrefix}`, allowed: `${topicPrefix}/allowed` });
    expect(result.error).toMatchObject({ code: 'SUBSCRIBE_REJECTED', reasonCode: 0x87, isWebMqttError: true });
    expect(result.error.message).toContain('0x87');
    expect(result.text).toBe('still fine');
    expect(result.states).toEqual(['connecting', 'connected', 'closed']);
  });

  // A DISCONNECT sent by the server (0x8E session taken over, 0x8B shutting down, Server Reference redirects …)
  // is proven in server-disconnect.spec.ts against a scripted fake MQTT 5 server: Mosquitto 2.0.11 sends no
  // DISCONNECT packet to WebSocket clients (on takeover and shutdown it just closes the socket).

  test('request/response: concurrent requests from two clients each get their own reply; response topic per client, correlation data set', async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
      const w = window as any;
      const make = async () => {
        const c = w.makeHarness({ url, auth, protocolVersion: 5 }).client;
        await c.connect();
        return c;
      };
      const [responder, alice, bob] = await Promise.all([make(), make(), make()]);
      const seen: any[] = [];
      await responder.respond(topic, async (req: any) => {
        seen.push({ responseTopic: req.properties?.responseTopic, correlationBytes: req.properties?.correlationData?.length });
        // Replies come back out of order.
        await new Promise((r) => setTimeout(r, Math.random() * 50));
        return `echo:${req.text()}`;
      }, { qos: 1 });
      const asks = (c: any, who: string) => Array.from({ length: 10 }, (_, i) => c.request(topic, `${who}${i}`, { timeoutMs: 5_000 }).then((m: any) => m.text()));
      const [a, b] = await Promise.all([Promise.all(asks(alice, 'a')), Promise.all(asks(bob, 'b'))]);
      const ids = { alice: alice.clientId, bob: bob.clientId };
      for (const c of [responder, alice, bob]) await c.close();
      return { a, b, seen, ids };
    }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/rpc/echo` });
    expect(result.a).toEqual(Array.from({ length: 10 }, (_, i) => `echo:a${i}`));
    expect(result.b).toEqual(Array.from({ length: 10 }, (_, i) => `echo:b${i}`));
    const topics = new Set(result.seen.map((s: any) => s.responseTopic));
    expect(topics.size).toBe(2);
    expect([...topics].some((t) => String(t).includes(result.ids.alice))).toBe(true);
    expect([...topics].some((t) => String(t).includes(result.ids.bob))).toBe(true);
    expect(result.seen.every((s: any) => s.correlationBytes > 0)).toBe(true);
  });

  test('request/response: no responder -> REQUEST_TIMEOUT; aborted -> ABORTED (before and while waiting)', async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
      const w = window as any;
      const { client } = w.makeHarness({ url, auth, protocolVersion: 5 });
      await client.connect();
      const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e: any) => w.errorInfo(e));
      const started = Date.now();
      const timeout = await outcome(client.request(topic, 'anyone?', { timeoutMs: 300 }));
      const waited = Date.now() - started;
      const controller = new AbortController();
      const pending = outcome(client.request(topic, 'never mind', { timeoutMs: 5_000, signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      const aborted = await pending;
      const preAborted = await outcome(client.request(topic, 'too late', { signal: AbortSignal.abort() }));
      const state = client.state;
      await client.close();
      return { timeout, waited, aborted, preAborted, state };
    }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/rpc/nobody` });
    expect(result.timeout).toMatchObject({ code: 'REQUEST_TIMEOUT', isWebMqttError: true });
    expect(result.waited).toBeGreaterThanOrEqual(290);
    expect(result.aborted).toMatchObject({ code: 'ABORTED', isWebMqttError: true });
    expect(result.preAborted).toMatchObject({ code: 'ABORTED', isWebMqttError: true });
    expect(result.state).toBe('connected');
  });
});

// Runs on both brokers: aedes negotiates 3.1.1 by itself, Mosquitto is asked for it.
test('request() on an MQTT 3.1.1 connection rejects with a clear error instead of waiting for a reply that cannot come', async ({ esmPage, broker, auth, topicPrefix }) => {
  const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
    const w = window as any;
    const { client } = w.makeHarness({ url, auth, protocolVersion: 4 });
    await client.connect();
    // A client that sent the request and waited would reject with REQUEST_TIMEOUT after timeoutMs instead.
    const error = await client.request(topic, 'ping', { timeoutMs: 5_000 }).then(() => undefined, (e: any) => w.errorInfo(e));
    await client.close();
    return { error, protocolVersion: client.protocolVersion };
  }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/rpc/v4` });
  expect(result.protocolVersion).toBe(4);
  expect(result.error).toMatchObject({ code: 'UNSUPPORTED_PROTOCOL', isWebMqttError: true });
  expect(result.error.message).toContain('MQTT 5');
});

async function openEsm(context: BrowserContext, siteUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${siteUrl}/esm.html`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  return page;
}
