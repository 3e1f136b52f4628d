import type { BrowserContext, Page, TestInfo } from '@playwright/test';
import { storedCount } from './support/outbox-records';
import { test, expect, type E2EAuth } from './support/fixtures';
import { startWireProxy, type MqttWireProxy, type PacketType, type WireLink } from './support/mqtt-wire-proxy';
import { startPeer } from './support/mqtt-peer';
import { launchBfcacheBrowser, goBackFromBfcache } from './support/bfcache-browser';

// shareAcrossTabs (#14): tabs of one origin and group share one MQTT connection. Several pages of ONE browser
// context play the tabs; connections are counted outside the page (a reading proxy in front of the broker, and
// aedes's own count), messages come from and go to a peer outside the browser (mosquitto_pub / mosquitto_sub on
// Mosquitto, a Node MQTT.js client on aedes).

type Role = 'leader' | 'follower' | 'solo';

interface TabOptions {
  url: string;
  auth: E2EAuth;
  clientId: string;
  shareAcrossTabs: true | { name: string };
  protocolVersion?: 4 | 5;
}

/** A clientId of this test alone: tabs share a session only when they pass the same one. */
function clientIdFor(testInfo: TestInfo, suffix = ''): string {
  return `tabs-${testInfo.testId}${suffix}`;
}

/** Another tab of the context, on the ESM page; its page errors land in `errors`. */
async function openTab(context: BrowserContext, siteUrl: string, errors: string[], init?: () => void): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  if (init) await page.addInitScript(init);
  await page.goto(`${siteUrl}/esm.html`);
  await page.waitForFunction(() => (window as any).sdkReady === true);
  return page;
}

/** In the tab: a client of the group (recorded by the harness, role changes with their time) that has connected. */
async function join(page: Page, options: TabOptions): Promise<Role> {
  return page.evaluate(async (options) => {
    const w = window as any;
    const h = w.makeHarness(options);
    w.tab = { client: h.client, record: h.record, roles: [], got: {}, subs: {}, roleBeforeConnect: h.client.role };
    h.client.on('role', (r: any) => w.tab.roles.push({ role: r.role, at: Date.now() }));
    await h.client.connect();
    return h.client.role;
  }, options);
}

/** Tabs joining one after the other: the first leads. */
async function joinInTurn(pages: Page[], options: TabOptions): Promise<Role[]> {
  const roles: Role[] = [];
  for (const page of pages) roles.push(await join(page, options));
  return roles;
}

/** A QoS 1 subscription of the tab, its messages' texts kept under `key`. */
async function subscribe(page: Page, key: string, filter: string): Promise<void> {
  await page.evaluate(async ({ key, filter }) => {
    const tab = (window as any).tab;
    tab.got[key] = [];
    tab.subs[key] = await tab.client.subscribe(filter, (m: any) => tab.got[key].push(m.text()), { qos: 1 });
  }, { key, filter });
}

async function unsubscribe(page: Page, key: string): Promise<void> {
  await page.evaluate((key) => (window as any).tab.subs[key].unsubscribe(), key);
}

async function publish(page: Page, topic: string, text: string): Promise<void> {
  await page.evaluate(({ topic, text }) => (window as any).tab.client.publish(topic, text, { qos: 1 }), { topic, text });
}

const got = (page: Page, key: string) => page.evaluate((key) => (window as any).tab.got[key] as string[], key);
const roleOf = (page: Page) => page.evaluate(() => (window as any).tab.client.role as Role);
const stateOf = (page: Page) => page.evaluate(() => (window as any).tab.client.state as string);
const statesOf = (page: Page) => page.evaluate(() => (window as any).tab.record.states.map((s: any) => s.current) as string[]);
const sdkErrors = (page: Page) => page.evaluate(() => (window as any).tab.record.errors as Array<{ code: string; message: string }>);
const roleEvents = (page: Page) => page.evaluate(() => (window as any).tab.roles as Array<{ role: Role; at: number }>);

/** When the tab, after it became leader, saw its own connection come up (undefined while it has not). */
const connectedAsLeaderAt = (page: Page) => page.evaluate(() => {
  const tab = (window as any).tab;
  const led = tab.roles.find((r: any) => r.role === 'leader');
  if (!led) return undefined;
  // Its mirrored `connected` of the old leader came before; the new connection reports connecting, then connected.
  const states = tab.record.states.filter((s: any) => s.at >= led.at);
  const connecting = states.findIndex((s: any) => s.current === 'connecting');
  const connected = connecting < 0 ? undefined : states.slice(connecting + 1).find((s: any) => s.current === 'connected');
  return connected?.at as number | undefined;
});

/** Client-to-broker packets of one type on a link. */
const sent = (link: WireLink | undefined, type: PacketType) => link?.packets.filter((p) => p.direction === 'up' && p.type === type).length ?? 0;
const openLinks = (proxy: MqttWireProxy) => proxy.links.filter((l) => !l.closed);
/**
 * Connections the broker accepted (CONNACK 0). On aedes the group's first connection tries MQTT 5, which aedes
 * closes without a CONNACK, then 3.1.1: that first link is an attempt, not a connection.
 */
const sessions = (proxy: MqttWireProxy) => proxy.links.filter((l) => l.connack?.reasonCode === 0);
/** The one accepted connection (fails the test when there is not exactly one). */
function onlySession(proxy: MqttWireProxy): WireLink {
  const accepted = sessions(proxy);
  expect(accepted, 'accepted connections').toHaveLength(1);
  return accepted[0] as WireLink;
}

/** The one tab among `pages` that leads now, once exactly one does. */
async function nextLeader(pages: Page[], timeout = 5_000): Promise<Page> {
  await expect.poll(async () => (await Promise.all(pages.map(roleOf))).filter((r) => r === 'leader').length, { timeout, intervals: [20] }).toBe(1);
  const roles = await Promise.all(pages.map(roleOf));
  return pages[roles.indexOf('leader')] as Page;
}

test('4 tabs of one group make exactly 1 connection at the broker, and each tab gets a message a peer outside the browser publishes', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  const errors: string[] = [];
  const proxy = await startWireProxy(broker.urls.ws);
  const peer = await startPeer(broker, auth);
  try {
    const topic = `${topicPrefix}/all`;
    // aedes counts its clients (the peer is one of them already); Mosquitto has no count but $SYS every 10 s, so
    // the proxy's links are the count there (and on aedes too).
    const clientsBefore = broker.kind === 'aedes' ? broker.clients : undefined;
    const tabs = [esmPage, ...(await Promise.all([1, 2, 3].map(() => openTab(esmPage.context(), site.url, errors))))];
    // All four at once: the lock decides, not the order.
    const roles = await Promise.all(tabs.map((tab) => join(tab, { url: `${proxy.url}/mqtt`, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true })));
    expect([...roles].sort()).toEqual(['follower', 'follower', 'follower', 'leader']);
    // 'solo' until connect() has joined the group; then one role event each.
    for (const tab of tabs) {
      expect(await tab.evaluate(() => (window as any).tab.roleBeforeConnect)).toBe('solo');
      expect((await roleEvents(tab)).map((r) => r.role)).toEqual([await roleOf(tab)]);
    }
    await Promise.all(tabs.map((tab) => subscribe(tab, 'all', topic)));
    for (const tab of tabs) expect(await stateOf(tab)).toBe('connected');
    const link = onlySession(proxy);
    expect(openLinks(proxy)).toEqual([link]);
    // Four subscriptions to one filter, one SUBSCRIBE on the wire.
    expect(sent(link, 'subscribe')).toBe(1);
    const atBroker = broker.kind === 'aedes' ? broker.clients - (clientsBefore as number) : undefined;
    if (atBroker !== undefined) expect(atBroker).toBe(1);
    console.log(`[tabs] ${broker.kind}: 4 tabs -> ${sessions(proxy).length} accepted connection(s) at the proxy (${proxy.attempts.length} attempt(s))${atBroker === undefined ? '' : `, aedes clients +${atBroker}`}; roles ${roles.join(', ')}`);

    await peer.publish(topic, `from ${peer.kind}`, 1);
    for (const tab of tabs) await expect.poll(() => got(tab, 'all')).toEqual([`from ${peer.kind}`]);
    for (const tab of tabs) expect(await sdkErrors(tab)).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await peer.close();
    await proxy.stop();
  }
});

test('1,000 QoS 1 publishes from two followers while the leader tab closes mid-stream: a peer outside the browser gets all 1,000, every publish resolves', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  test.setTimeout(60_000);
  const errors: string[] = [];
  const proxy = await startWireProxy(broker.urls.ws);
  const peer = await startPeer(broker, auth);
  try {
    const topic = `${topicPrefix}/stream`;
    const sub = await peer.subscribe(topic);
    const leader = esmPage;
    const followers = await Promise.all([1, 2].map(() => openTab(esmPage.context(), site.url, errors)));
    expect(await joinInTurn([leader, ...followers], { url: `${proxy.url}/mqtt`, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true })).toEqual(['leader', 'follower', 'follower']);

    // The first follower says when it has sent 100 (a binding: polling the page lags by seconds on a busy machine).
    const midStream = new Promise<void>((resolve) => void followers[0]!.exposeFunction('midStream', resolve));
    // Each follower: 500 publishes, 10 every 60 ms, not awaited one by one; after each 10 a sample [time, sent,
    // acknowledged] of its progress. The last 100 wait for the leader's page.close() to have returned (it can take
    // seconds on a busy machine), so the leader always goes mid-stream.
    await Promise.all(followers.map((tab, n) => tab.evaluate(({ topic, tag }) => {
      const tab = (window as any).tab;
      const stream = (tab.stream = { sent: 0, ok: 0, failed: [] as string[], pending: new Set<number>(), samples: [] as number[][] });
      void (async () => {
        for (let i = 0; i < 500; i++) {
          stream.pending.add(i);
          tab.client.publish(topic, `${tag}-${i}`, { qos: 1 }).then(
            () => {
              stream.ok++;
              stream.pending.delete(i);
            },
            (e: any) => {
              stream.failed.push(`${tag}-${i}: ${e.code} ${e.message}`);
              stream.pending.delete(i);
            },
          );
          stream.sent++;
          if (stream.sent === 100) (window as any).midStream?.();
          if (i % 10 === 9) {
            stream.samples.push([Date.now(), stream.sent, stream.ok]);
            await new Promise((r) => setTimeout(r, 60));
          }
          while (stream.sent === 400 && !tab.leaderGone) await new Promise((r) => setTimeout(r, 10));
        }
      })();
    }, { topic, tag: `f${n + 1}` })));
    const progress = () => Promise.all(followers.map((tab) => tab.evaluate(() => {
      const s = (window as any).tab.stream;
      return { sent: s.sent as number, ok: s.ok as number, failed: s.failed as string[], pending: [...s.pending].slice(0, 10) as number[], samples: s.samples as number[][] };
    })));
    await midStream;
    const closedAt = Date.now();
    await leader.close();
    const closeMs = Date.now() - closedAt;
    for (const tab of followers) await tab.evaluate(() => ((window as any).tab.leaderGone = true));
    const next = await nextLeader(followers);
    await expect.poll(() => connectedAsLeaderAt(next), { intervals: [20] }).toBeDefined();
    const failoverMs = ((await connectedAsLeaderAt(next)) as number) - closedAt;
    // Mid-stream: when the next tab took the lead, neither follower had sent all of its 500, and publishes were
    // waiting for their acknowledgement (the samples are the pages' clocks, which are this machine's).
    const ledAt = (await roleEvents(next)).find((r) => r.role === 'leader')!.at;
    const atTakeover = (await progress()).map((p) => {
      const [, sent = 0, ok = 0] = p.samples.filter(([at]) => (at as number) <= ledAt).pop() ?? [];
      return { sent, ok };
    });
    for (const p of atTakeover) expect(p.sent).toBeLessThan(500);
    expect(atTakeover.some((p) => p.ok < p.sent), JSON.stringify(atTakeover)).toBe(true);
    // Every publish settles (none hangs on the tab that went away), and resolves.
    const unsettled = (p: { sent: number; pending: number[] }) => (p.sent < 500 ? `${p.sent} sent` : p.pending.length === 0 ? 'all settled' : `still pending: ${p.pending.join(', ')}…`);
    await expect.poll(async () => (await progress()).map(unsettled), { timeout: 30_000 }).toEqual(['all settled', 'all settled']);
    const settled = await progress();
    expect(settled.flatMap((p) => p.failed)).toEqual([]);
    expect(settled.map((p) => p.ok)).toEqual([500, 500]);

    const expected = followers.flatMap((_, n) => Array.from({ length: 500 }, (_, i) => `f${n + 1}-${i}`));
    await expect.poll(() => new Set(sub.payloads).size, { timeout: 20_000 }).toBe(1_000);
    // Late duplicates (a re-sent publish the old leader's connection had also delivered) would show up here.
    await new Promise((r) => setTimeout(r, 500));
    const distinct = new Set(sub.payloads);
    const missing = expected.filter((p) => !distinct.has(p));
    const duplicates = sub.payloads.length - distinct.size;
    // What the duplicates come from: publishes the old leader's connection completed after the next tab had taken
    // over (their PUBACK came to a tab that no longer answered, so their senders sent them again).
    const old = sessions(proxy)[0];
    const lateAcks = old?.packets.filter((p) => p.type === 'puback' && p.direction === 'down' && p.at > ledAt).length;
    console.log(`[tabs] ${broker.kind}: 1,000 QoS 1 publishes across the leader's close (when the next leader took over: ${atTakeover.map((p) => `${p.sent} sent/${p.ok} acked`).join(', ')}): ` +
      `${distinct.size} distinct at ${peer.kind}, ${duplicates} duplicate(s), ${missing.length} missing; accepted connections ${sessions(proxy).length}, the old leader's got ${lateAcks} PUBACK(s) after the takeover and closed with ${old?.outstanding.now} unacknowledged; page.close() took ${closeMs} ms, the new leader was connected ${failoverMs} ms after it began`);
    testInfo.annotations.push({ type: 'duplicates', description: String(duplicates) });
    expect(missing).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await peer.close();
    await proxy.stop();
  }
});

test('the leader tab\'s renderer crashes (CDP Page.crash): a follower leads and is connected again within 2 s, delivers a publish, and answers subscriptions made in the gap', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  const errors: string[] = [];
  const peer = await startPeer(broker, auth);
  try {
    const topic = `${topicPrefix}/crash`;
    const sub = await peer.subscribe(topic);
    const leader = esmPage;
    const followers = await Promise.all([1, 2].map(() => openTab(esmPage.context(), site.url, errors)));
    expect(await joinInTurn([leader, ...followers], { url: broker.urls.ws, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true })).toEqual(['leader', 'follower', 'follower']);
    for (const tab of followers) await subscribe(tab, 'crash', topic);

    const cdp = await leader.context().newCDPSession(leader);
    const crashedAt = Date.now();
    // Never answers: the renderer it would answer from is gone.
    void cdp.send('Page.crash').catch(() => {});
    // Subscribed right after the crash (as a rule before the next leader is known): answered by the next leader.
    const during = Promise.all(followers.map((tab) => subscribe(tab, 'during', `${topic}/during`)));
    const next = await nextLeader(followers);
    const other = followers.find((tab) => tab !== next) as Page;
    await expect.poll(() => connectedAsLeaderAt(next), { intervals: [20] }).toBeDefined();
    const failoverMs = ((await connectedAsLeaderAt(next)) as number) - crashedAt;
    console.log(`[tabs] ${broker.kind}: leader renderer crash -> a follower led and was connected ${failoverMs} ms later; its states ${JSON.stringify(await statesOf(next))}`);
    testInfo.annotations.push({ type: 'failover after crash (ms)', description: String(failoverMs) });
    expect(failoverMs).toBeLessThan(2_000);

    // The other follower now relays to the new leader: its publish goes out, to the peer and to both tabs.
    await publish(other, topic, 'after the crash');
    for (const tab of followers) await expect.poll(() => got(tab, 'crash')).toEqual(['after the crash']);
    await expect.poll(() => sub.payloads).toEqual(['after the crash']);
    await during;
    await peer.publish(`${topic}/during`, 'to the subscriptions made in the gap', 1);
    for (const tab of followers) await expect.poll(() => got(tab, 'during')).toEqual(['to the subscriptions made in the gap']);
    expect(await roleOf(other)).toBe('follower');
    expect(await stateOf(other)).toBe('connected');
    expect(errors).toEqual([]);
  } finally {
    await peer.close();
  }
});

test('subscriptions are ref-counted across tabs: UNSUBSCRIBE reaches the wire only when the last tab drops the filter, also when tabs crash or close; handlers get only their own filter', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  const errors: string[] = [];
  const proxy = await startWireProxy(broker.urls.ws);
  try {
    const leader = esmPage;
    const [a, b] = (await Promise.all([1, 2].map(() => openTab(esmPage.context(), site.url, errors)))) as [Page, Page];
    expect(await joinInTurn([leader, a, b], { url: `${proxy.url}/mqtt`, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true })).toEqual(['leader', 'follower', 'follower']);
    const link = onlySession(proxy);
    // What the leader's connection sends, with the filters (the proxy counts packets, the trace names them).
    await leader.evaluate(() => {
      const tab = (window as any).tab;
      tab.unsubscribed = [];
      tab.client.on('packet', (p: any) => {
        if (p.direction === 'out' && p.packet.cmd === 'unsubscribe') tab.unsubscribed.push(...p.packet.unsubscriptions);
      });
    });
    const unsubscribed = () => leader.evaluate(() => (window as any).tab.unsubscribed as string[]);

    // Each tab's handler hears its own filter only.
    await subscribe(a, 'own', `${topicPrefix}/own/a`);
    await subscribe(b, 'own', `${topicPrefix}/own/b`);
    await publish(leader, `${topicPrefix}/own/a`, 'for a');
    await publish(leader, `${topicPrefix}/own/b`, 'for b');
    await expect.poll(() => got(a, 'own')).toEqual(['for a']);
    await expect.poll(() => got(b, 'own')).toEqual(['for b']);

    // The leader and a follower on one filter: one SUBSCRIBE; the follower drops it, nothing on the wire.
    const f1 = `${topicPrefix}/f1`;
    const subscribesBefore = sent(link, 'subscribe');
    await subscribe(leader, 'f1', f1);
    await subscribe(a, 'f1', f1);
    expect(sent(link, 'subscribe') - subscribesBefore).toBe(1);
    await unsubscribe(a, 'f1');
    await publish(b, f1, 'after a dropped it');
    await expect.poll(() => got(leader, 'f1')).toEqual(['after a dropped it']);
    expect(await got(a, 'f1')).toEqual([]);
    expect(sent(link, 'unsubscribe')).toBe(0);
    await unsubscribe(leader, 'f1');
    await expect.poll(() => sent(link, 'unsubscribe')).toBe(1);
    expect(await unsubscribed()).toEqual([f1]);

    // Two followers on one filter; instead of unsubscribing, one tab crashes (CDP Page.crash), then the other closes
    // (page.close()).
    const f2 = `${topicPrefix}/f2`;
    await subscribe(a, 'f2', f2);
    await subscribe(b, 'f2', f2);
    expect(sent(link, 'subscribe') - subscribesBefore).toBe(2);
    // The group's lock names are `webmqtt-tabs:<group>:…`; the leader waits on each other tab's lock to see it go.
    const leaderWatching = () => leader.evaluate(async () => (await navigator.locks.query()).pending?.filter((l) => l.name?.includes(':tab:')).length ?? 0);
    expect(await leaderWatching()).toBe(2);
    const cdp = await b.context().newCDPSession(b);
    // Never answers: the renderer it would answer from is gone.
    void cdp.send('Page.crash').catch(() => {});
    // b's own filter goes with it; f2, which a still holds, stays.
    await expect.poll(unsubscribed).toEqual([f1, `${topicPrefix}/own/b`]);
    await expect.poll(() => sent(link, 'unsubscribe')).toBe(2);
    expect(await leaderWatching()).toBe(1);
    await publish(leader, f2, 'after b crashed');
    await expect.poll(() => got(a, 'f2')).toEqual(['after b crashed']);
    expect(await unsubscribed()).toEqual([f1, `${topicPrefix}/own/b`]);
    // The last tab holding f2 closes: now it goes.
    await a.close();
    await expect.poll(async () => (await unsubscribed()).slice(2).sort()).toEqual([f2, `${topicPrefix}/own/a`].sort());
    await expect.poll(() => sent(link, 'unsubscribe')).toBe(4);
    expect(await leaderWatching()).toBe(0);
    expect(openLinks(proxy)).toHaveLength(1);
    expect(errors).toEqual([]);
  } finally {
    await proxy.stop();
  }
});

test('a follower\'s close() leaves the other tabs connected and receiving, the closed one \'closed\'; the leader\'s close() hands the connection to the follower left', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  const errors: string[] = [];
  const proxy = await startWireProxy(broker.urls.ws);
  const peer = await startPeer(broker, auth);
  try {
    const topic = `${topicPrefix}/after-close`;
    const leader = esmPage;
    const [closing, staying] = (await Promise.all([1, 2].map(() => openTab(esmPage.context(), site.url, errors)))) as [Page, Page];
    const tabs = [leader, closing, staying];
    expect(await joinInTurn(tabs, { url: `${proxy.url}/mqtt`, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true })).toEqual(['leader', 'follower', 'follower']);
    for (const tab of tabs) await subscribe(tab, 'm', topic);

    await closing.evaluate(() => (window as any).tab.client.close());
    expect(await stateOf(closing)).toBe('closed');
    expect(await statesOf(closing)).toEqual(['connecting', 'connected', 'closed']);
    const refused = await closing.evaluate((topic) => (window as any).tab.client.publish(topic, 'too late', { qos: 1 }).then(() => 'resolved', (e: any) => e.code), topic);
    expect(refused).toBe('CLIENT_CLOSED');

    await peer.publish(topic, 'after one closed', 1);
    await publish(staying, topic, 'from the one that stayed');
    for (const tab of [leader, staying]) await expect.poll(() => got(tab, 'm')).toEqual(['after one closed', 'from the one that stayed']);
    expect(await got(closing, 'm')).toEqual([]);
    for (const tab of [leader, staying]) {
      expect(await stateOf(tab)).toBe('connected');
      // Not a flicker either: one connection, never dropped.
      expect(await statesOf(tab)).toEqual(['connecting', 'connected']);
    }
    expect(await roleOf(leader)).toBe('leader');
    const link = onlySession(proxy);
    expect(openLinks(proxy)).toEqual([link]);

    // The leader's own close(): the follower left takes over, with its subscription.
    await leader.evaluate(() => (window as any).tab.client.close());
    expect(await statesOf(leader)).toEqual(['connecting', 'connected', 'closed']);
    await expect.poll(() => roleOf(staying)).toBe('leader');
    await expect.poll(() => connectedAsLeaderAt(staying)).toBeDefined();
    await peer.publish(topic, 'after the leader closed', 1);
    await expect.poll(() => got(staying, 'm')).toEqual(['after one closed', 'from the one that stayed', 'after the leader closed']);
    expect(await got(leader, 'm')).toEqual(['after one closed', 'from the one that stayed']);
    const [before, after] = sessions(proxy) as [WireLink, WireLink];
    expect(sessions(proxy)).toHaveLength(2);
    expect(openLinks(proxy)).toEqual([after]);
    // A clean handover: the old connection's DISCONNECT went out before the new one even opened (no session takeover).
    const disconnect = before.packets.find((p) => p.direction === 'up' && p.type === 'disconnect');
    expect(disconnect).toBeDefined();
    expect(after.openedAt).toBeGreaterThanOrEqual(disconnect!.at);
    expect(errors).toEqual([]);
  } finally {
    await peer.close();
    await proxy.stop();
  }
});

test('the leader tab goes into the back-forward cache: another tab leads within 1 s; back again, the page rejoins as a follower and works', async ({ broker, auth, topicPrefix }, testInfo) => {
  test.setTimeout(60_000);
  const errors: string[] = [];
  const bf = await launchBfcacheBrowser(testInfo);
  const proxy = await startWireProxy(broker.urls.ws);
  const peer = await startPeer(broker, auth);
  try {
    const topic = `${topicPrefix}/bfcache`;
    const context = await bf.browser.newContext();
    const leader = await openTab(context, bf.siteUrl, errors);
    const follower = await openTab(context, bf.siteUrl, errors);
    expect(await joinInTurn([leader, follower], { url: `${proxy.url}/mqtt`, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true })).toEqual(['leader', 'follower']);
    for (const tab of [leader, follower]) await subscribe(tab, 'm', topic);

    // The page notes when it went (pagehide, persisted when it enters the bfcache); it reads that after the restore.
    await leader.evaluate(() => addEventListener('pagehide', (e) => ((window as any).tab.hidden = { at: Date.now(), persisted: e.persisted })));
    const navigatedAt = Date.now();
    await leader.goto(`${bf.siteUrl}/umd.html`);
    await expect.poll(() => roleOf(follower), { intervals: [20] }).toBe('leader');
    await expect.poll(() => connectedAsLeaderAt(follower), { intervals: [20] }).toBeDefined();
    const connectedAt = (await connectedAsLeaderAt(follower)) as number;
    await peer.publish(topic, 'while away', 1);
    await expect.poll(() => got(follower, 'm')).toEqual(['while away']);

    const back = await goBackFromBfcache(leader, 'tab');
    const hidden = back.restored ? await leader.evaluate(() => (window as any).tab.hidden as { at: number; persisted: boolean }) : undefined;
    const failoverMs = hidden && connectedAt - hidden.at;
    console.log(`[tabs] ${broker.kind}: leader into the bfcache -> the other tab led and was connected ${failoverMs} ms after the leader's pagehide ` +
      `(${connectedAt - navigatedAt} ms after the navigation started); restored from bfcache: ${back.restored}${back.restored ? '' : ` (${back.notRestoredReasons})`}`);
    expect(back.restored, `Chromium loaded the page again instead of restoring it; notRestoredReasons ${back.notRestoredReasons}`).toBe(true);
    expect(hidden?.persisted).toBe(true);
    testInfo.annotations.push({ type: 'failover after the leader entered the bfcache (ms)', description: String(failoverMs) });
    // From the moment the page left (its pagehide; the navigation before it is the browser fetching the next page).
    expect(failoverMs).toBeLessThan(1_000);
    await expect.poll(() => roleOf(leader)).toBe('follower');
    await expect.poll(() => stateOf(leader)).toBe('connected');
    // Its subscription came back with it (sent to the new leader), its publishes go out through it.
    await peer.publish(topic, 'after back', 1);
    await publish(leader, topic, 'from the restored tab');
    await expect.poll(() => got(leader, 'm')).toEqual(['after back', 'from the restored tab']);
    await expect.poll(() => got(follower, 'm')).toEqual(['while away', 'after back', 'from the restored tab']);
    expect(await roleOf(follower)).toBe('leader');
    // The old leader's connection closed, the new one is the only one.
    expect(openLinks(proxy)).toHaveLength(1);
    expect(errors).toEqual([]);
  } finally {
    await peer.close();
    await proxy.stop();
    await bf.close();
  }
});

test('without Web Locks (or BroadcastChannel) a tab runs solo: no error, its own connection; two group names in one context make two connections', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  const errors: string[] = [];
  const proxy = await startWireProxy(broker.urls.ws);
  try {
    const context = esmPage.context();
    const url = `${proxy.url}/mqtt`;
    const noLocks = await openTab(context, site.url, errors, () => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
    const noChannel = await openTab(context, site.url, errors, () => {
      delete (globalThis as any).BroadcastChannel;
    });
    expect(await noLocks.evaluate(() => navigator.locks)).toBeUndefined();
    expect(await noChannel.evaluate(() => typeof (globalThis as any).BroadcastChannel)).toBe('undefined');
    for (const [n, tab] of [noLocks, noChannel].entries()) {
      // Each its own clientId: two solo clients with one id would take the session from each other.
      expect(await join(tab, { url, auth, clientId: clientIdFor(testInfo, `-solo${n}`), shareAcrossTabs: true })).toBe('solo');
      await subscribe(tab, 'm', `${topicPrefix}/solo${n}`);
      await publish(tab, `${topicPrefix}/solo${n}`, `solo ${n}`);
      await expect.poll(() => got(tab, 'm')).toEqual([`solo ${n}`]);
      expect(await roleOf(tab)).toBe('solo');
      expect(await roleEvents(tab)).toEqual([]);
      expect(await sdkErrors(tab)).toEqual([]);
      expect(await statesOf(tab)).toEqual(['connecting', 'connected']);
    }
    expect(openLinks(proxy)).toHaveLength(2);

    // Two named groups, two tabs each (each group its own clientId, or the two would take over each other's session).
    const groups = [`${topicPrefix}/one`, `${topicPrefix}/two`];
    const tabs = [esmPage, ...(await Promise.all([1, 2, 3].map(() => openTab(context, site.url, errors))))];
    const roles: Role[] = [];
    for (const [i, tab] of tabs.entries()) {
      const g = i % 2;
      roles.push(await join(tab, { url: `${url}?group=${g}`, auth, clientId: clientIdFor(testInfo, `-g${g}`), shareAcrossTabs: { name: groups[g] as string } }));
    }
    expect(roles).toEqual(['leader', 'leader', 'follower', 'follower']);
    const grouped = openLinks(proxy).filter((l) => l.path.includes('?group='));
    expect(grouped.map((l) => l.path).sort()).toEqual(['/mqtt?group=0', '/mqtt?group=1']);
    // A follower's subscription goes out on its own group's connection only.
    await subscribe(tabs[2] as Page, 'm', `${topicPrefix}/group0`);
    await publish(tabs[3] as Page, `${topicPrefix}/group0`, 'from group 1');
    await expect.poll(() => got(tabs[2] as Page, 'm')).toEqual(['from group 1']);
    expect(grouped.map((l) => [l.path, sent(l, 'subscribe')]).sort()).toEqual([['/mqtt?group=0', 1], ['/mqtt?group=1', 0]]);
    console.log(`[tabs] ${broker.kind}: 2 solo tabs + 2 groups of 2 tabs -> ${openLinks(proxy).length} connections`);
    expect(openLinks(proxy)).toHaveLength(4);
    expect(errors).toEqual([]);
  } finally {
    await proxy.stop();
  }
});

test('request()/respond() across tabs: a follower\'s requests answered by another follower\'s responder, and the leader\'s too (MQTT 5)', async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
  test.skip(broker.kind !== 'mosquitto', 'request() needs MQTT 5 (response topic, correlation data): the aedes dev broker speaks MQTT 3.1.1 only');
  const errors: string[] = [];
  const leader = esmPage;
  const [responder, asker] = (await Promise.all([1, 2].map(() => openTab(esmPage.context(), site.url, errors)))) as [Page, Page];
  expect(await joinInTurn([leader, responder, asker], { url: broker.urls.ws, auth, clientId: clientIdFor(testInfo), shareAcrossTabs: true, protocolVersion: 5 })).toEqual(['leader', 'follower', 'follower']);
  expect(await leader.evaluate(() => (window as any).tab.client.protocolVersion)).toBe(5);
  const topic = `${topicPrefix}/rpc`;
  await responder.evaluate(async (topic) => {
    await (window as any).tab.client.respond(topic, async (req: any) => {
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      return `echo:${req.text()}`;
    }, { qos: 1 });
  }, topic);
  const ask = (tab: Page, who: string, n: number) => tab.evaluate(({ topic, who, n }) => Promise.all(Array.from({ length: n }, (_, i) => (window as any).tab.client.request(topic, `${who}${i}`, { timeoutMs: 5_000 }).then((m: any) => m.text()))), { topic, who, n });
  const [fromFollower, fromLeader] = await Promise.all([ask(asker, 'f', 5), ask(leader, 'l', 3)]);
  expect(fromFollower).toEqual(['echo:f0', 'echo:f1', 'echo:f2', 'echo:f3', 'echo:f4']);
  expect(fromLeader).toEqual(['echo:l0', 'echo:l1', 'echo:l2']);
  for (const tab of [leader, responder, asker]) expect(await sdkErrors(tab)).toEqual([]);
  expect(errors).toEqual([]);
});


for (const how of ['close', 'crash'] as const) {
  test(`shareAcrossTabs + persist: a follower's 200 QoS 1 publishes queued while the broker is unreachable reach a peer once each after the leader tab's ${how === 'close' ? 'page.close()' : 'renderer crash (CDP Page.crash)'}`, async ({ esmPage, site, broker, auth, topicPrefix }, testInfo) => {
    test.setTimeout(60_000);
    const N = 200;
    const errors: string[] = [];
    const proxy = await startWireProxy(broker.urls.ws);
    const peer = await startPeer(broker, auth);
    try {
      const topic = `${topicPrefix}/outbox-${how}`;
      const sub = await peer.subscribe(topic);
      const clientId = clientIdFor(testInfo);
      proxy.refuse();
      const options = {
        url: `${proxy.url}/mqtt`, auth, clientId, shareAcrossTabs: true,
        reconnect: { initialDelayMs: 50, maxDelayMs: 250, factor: 2, jitter: 'none' },
        offlineQueue: { persist: true, maxMessages: 5_000 },
      };
      const leader = esmPage;
      const follower = await openTab(esmPage.context(), site.url, errors);
      // The broker is away: the tabs join the group and keep trying.
      for (const page of [leader, follower]) {
        await page.evaluate((options) => {
          const w = window as any;
          const h = w.makeHarness(options);
          w.tab = { client: h.client, record: h.record, outcomes: {} };
          h.client.connect().catch(() => {});
        }, options);
        await expect.poll(() => roleOf(page)).not.toBe('solo');
      }
      expect([await roleOf(leader), await roleOf(follower)]).toEqual(['leader', 'follower']);
      await follower.evaluate(({ topic, n }) => {
        const tab = (window as any).tab;
        for (let i = 0; i < n; i++) {
          const name = `q-${String(i).padStart(3, '0')}`;
          tab.outcomes[name] = 'pending';
          tab.client.publish(topic, name, { qos: 1 }).then(() => (tab.outcomes[name] = 'ok'), (e: any) => (tab.outcomes[name] = e.code));
        }
      }, { topic, n: N });
      // Only the leader writes: the follower's publishes are in the leader's outbox.
      await expect.poll(() => storedCount(follower, clientId)).toBe(N);

      if (how === 'close') await leader.close();
      else {
        const cdp = await leader.context().newCDPSession(leader);
        const crashed = leader.waitForEvent('crash');
        void cdp.send('Page.crash').catch(() => {});
        await crashed;
      }
      await expect.poll(() => roleOf(follower), { timeout: 5_000 }).toBe('leader');
      proxy.forward();
      await expect.poll(() => new Set(sub.payloads).size, { timeout: 30_000 }).toBe(N);
      // Anything sent twice would have come by now.
      await follower.waitForTimeout(1_000);
      const outcomes = await follower.evaluate(() => (window as any).tab.outcomes as Record<string, string>);
      const duplicates = sub.payloads.length - new Set(sub.payloads).size;
      const restored = await follower.evaluate(() => (window as any).tab.record.queue.find((q: any) => q.restored !== undefined)?.restored as number | undefined);
      console.log(`[tabs] ${broker.kind}: persist, leader ${how}: ${sub.payloads.length} received for ${N} published, ${duplicates} duplicates; the next leader restored ${restored}`);
      testInfo.annotations.push({ type: `duplicates after the leader's ${how}`, description: String(duplicates) });
      expect([...new Set(sub.payloads)].sort()).toEqual(Object.keys(outcomes).sort());
      expect(duplicates).toBe(0);
      expect(restored).toBe(N);
      expect(Object.values(outcomes).filter((o) => o !== 'ok')).toEqual([]);
      await expect.poll(() => storedCount(follower, clientId)).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await peer.close();
      await proxy.stop();
    }
  });
}
