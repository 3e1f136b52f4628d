// Case 'tabs' (issue #14, BENCH_ONLY=tabs): shareAcrossTabs, the tabs of one origin sharing ONE connection held by
// a leader tab. Chromium holds the tabs as a browser does (bench/lib/tab-browser.mjs: one profile, the tab in front
// visible, the others hidden, no DevTools client attached); each tab is bench/pages/tabs.mjs.
// 1. Publish throughput, QoS 0 and 1, 64 B: the same burst of N publish() calls from a follower tab (relayed over
//    BroadcastChannel by the leader), from the leader tab, and from a solo tab (no sharing) for reference; the tab
//    publishing is brought to the front first (a user acts in the tab they look at, so for the follower the leader is
//    a background tab). msg/s from the first publish() to the last message arriving at a Node subscriber (QoS 0
//    subscription, so the broker's QoS 1 flow to the subscriber does not count), both times on the machine's clock;
//    beside it, publish() calls per second to the last promise settling in the tab. Against Mosquitto (stock config)
//    and the dev broker (@webmqtt/broker defaults), started here as users run them; runs interleaved round-robin.
// 2. Failover: of three tabs of one group, the leader's tab is closed (/json/close); time in Node from that call to a
//    remaining tab's reports that it took the lead ('role' event) and that it is connected (its first `connected`
//    state event as leader: its `state` still mirrored the old leader's `connected` until then, so polling
//    client.state would stop the clock too early). Then a new tab opens, so each handover starts from three tabs;
//    the tab taking over is a background one (the Web Lock goes to the longest waiting tab, the newest is in front).
// 3. Connections at the broker (the dev broker's aedes count, not the pages' word) for 10 tabs, shared and not.
// Sizes (smaller than the throughput suite's, for a suite of ~2 minutes): BENCH_TABS_RUNS (3; quick 1), BENCH_TABS_N0
// (5,000; quick 2,000), BENCH_TABS_N1 (2,000; quick 500), BENCH_TABS_HANDOVERS (20; quick 5), BENCH_TABS_FAILOVER_TABS
// (3), BENCH_TABS_COUNT (10 tabs); a subset: BENCH_TABS_BROKERS (mosquitto,aedes), BENCH_TABS_PARTS
// (throughput,failover,connections).
import mqtt from 'mqtt';
import { openTabBrowser } from '../lib/tab-browser.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { percentile, sleep, summary } from '../lib/stats.mjs';

export const TAB_ROLES = {
  follower: 'follower tab (relayed by the leader tab)',
  leader: 'leader tab (holds the shared connection)',
  solo: 'solo tab (no shareAcrossTabs), reference',
};
const PAGE = 'tabs.html';
const STALL_MS = 3_000;
const RUN_TIMEOUT_MS = 30_000;

async function startBrokers(log) {
  const want = (process.env.BENCH_TABS_BROKERS ?? 'mosquitto,aedes').split(',');
  const out = [];
  if (want.includes('mosquitto')) {
    const m = await startMosquitto().catch((e) => { log(`  tabs: mosquitto: ${e.message}`); return undefined; });
    if (m) out.push({ key: 'mosquitto', name: 'Mosquitto', conf: m.note, url: m.url, stop: () => m.stop() });
    else log('  tabs: mosquitto not available, its rows are skipped');
  }
  if (want.includes('aedes')) {
    const d = await startDevBroker();
    out.push({ key: 'aedes', name: 'dev broker (aedes)', conf: '@webmqtt/broker defaults, anonymous auth, ws only', url: d.url, clients: d.clients, stop: () => d.stop() });
  }
  return out;
}

export async function tabs(ctx) {
  const { site, quick, log } = ctx;
  const env = (name, full, small) => Number(process.env[name] ?? (quick ? small : full));
  const plan = {
    runs: env('BENCH_TABS_RUNS', 3, 1),
    sizes: { 0: env('BENCH_TABS_N0', 5_000, 2_000), 1: env('BENCH_TABS_N1', 2_000, 500) },
    handovers: env('BENCH_TABS_HANDOVERS', 20, 5),
    tabCount: env('BENCH_TABS_COUNT', 10, 10),
    failoverTabs: env('BENCH_TABS_FAILOVER_TABS', 3, 3),
  };
  const brokers = await startBrokers(log);
  const out = {
    ...plan,
    brokers: brokers.map((b) => ({ name: b.name, conf: b.conf })),
    page: 'bench/pages/tabs.mjs loading dist/webmqtt.browser.mjs, one fixed clientId per group, the default group (URL + clientId); headless Chromium started by child_process, tabs opened, brought to the front and closed through the DevTools HTTP endpoints, no DevTools client attached',
    throughput: [],
    failover: [],
    connections: undefined,
    errors: [],
  };
  const attempt = async (what, fn) => {
    try {
      return await fn();
    } catch (error) {
      out.errors.push(`${what}: ${String(error?.message ?? error).split('\n')[0].slice(0, 300)}`);
      log(`  tabs ${what} FAILED: ${out.errors.at(-1)}`);
      return undefined;
    }
  };
  const parts = (process.env.BENCH_TABS_PARTS ?? 'throughput,failover,connections').split(',');
  try {
    if (parts.includes('throughput')) for (const broker of brokers) out.throughput.push(...((await attempt(`throughput ${broker.name}`, () => publishThroughput(site, broker, plan, log))) ?? []));
    if (parts.includes('failover')) for (const broker of brokers) {
      const row = await attempt(`failover ${broker.name}`, () => failover(site, broker, plan, log));
      if (row) out.failover.push(row);
    }
    const counted = brokers.find((b) => b.clients);
    if (counted && parts.includes('connections')) out.connections = await attempt('connections', () => connections(site, counted, plan, log));
  } finally {
    for (const b of brokers) await b.stop().catch(() => {});
  }
  return out;
}

/** Opens a tab and waits until its client reports connected; resolves with the tab. */
async function openConnected(browser, site, params) {
  const tab = await browser.open(site, PAGE, params);
  await browser.waitFor((r) => r.tab === tab && r.kind === 'connected', 30_000, `tab ${tab.id} connected`, { from: [tab] });
  return tab;
}

/** Part 1 on one broker: the three publishing tabs, interleaved round by round, after one unreported warm-up round. */
async function publishThroughput(site, broker, plan, log) {
  const subscriber = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, clientId: `bench-tabs-sub-${process.pid}` });
  const arrivals = new Map(); // topic -> { count, lastAt }
  subscriber.on('message', (topic) => {
    const now = Date.now();
    const a = arrivals.get(topic) ?? { count: 0, lastAt: 0 };
    a.count++;
    a.lastAt = now;
    arrivals.set(topic, a);
  });
  const prefix = `bench/tabs/${process.pid}/${broker.key}`;
  await subscriber.subscribeAsync(`${prefix}/#`, { qos: 0 });
  const browser = await openTabBrowser();
  const cases = [];
  try {
    const clientId = `bench-tabs-${broker.key}-${process.pid}`.slice(0, 23);
    const tabs = {};
    tabs.leader = await openConnected(browser, site, { url: broker.url, clientId, share: 1, jobs: 1 });
    tabs.follower = await openConnected(browser, site, { url: broker.url, clientId, share: 1, jobs: 1 });
    tabs.solo = await openConnected(browser, site, { url: broker.url, clientId: `bench-tabs-solo-${process.pid}`.slice(0, 23), jobs: 1 });
    for (const role of ['leader', 'follower']) await browser.waitFor((r) => r.tab === tabs[role] && r.kind === 'role', 5_000, `the ${role} tab's role`);
    for (const [role, tab] of Object.entries(tabs)) if ((tab.role ?? 'solo') !== role) throw new Error(`the ${role} tab reports role ${tab.role}`);
    for (const qos of [0, 1]) for (const role of Object.keys(TAB_ROLES)) cases.push({ qos, role, n: plan.sizes[qos], runs: [], errors: [] });
    for (let round = -1; round < plan.runs; round++) {
      for (const qos of [0, 1]) {
        const group = cases.filter((c) => c.qos === qos);
        const offset = (round + 1) % group.length;
        for (const c of [...group.slice(offset), ...group.slice(0, offset)]) {
          const n = round < 0 ? Math.floor(c.n / 4) : c.n; // round -1: warm-up, not reported
          const topic = `${prefix}/q${qos}/${c.role}/${round + 1}`;
          try {
            // The tab holding the connection: its WebSocket messages are those of the burst.
            const holder = c.role === 'follower' ? tabs.leader : tabs[c.role];
            await holder.run({ mode: 'wire' }, 10_000);
            const r = await publishOnce(tabs[c.role], { topic, qos, n }, () => arrivals.get(topic));
            const sent = await holder.run({ mode: 'wire' }, 10_000);
            Object.assign(r, { wsFrames: sent.frames, wsMaxFrame: sent.maxFrame });
            if (round >= 0) c.runs.push(r);
          } catch (error) {
            c.errors.push(String(error?.message ?? error).slice(0, 300));
          }
        }
      }
      if (round >= 0) log(`  tabs throughput ${broker.name} round ${round + 1}/${plan.runs} done`);
    }
  } finally {
    await browser.quit();
    await subscriber.endAsync().catch(() => {});
  }
  const rows = cases.map((c) => ({
    broker: broker.name, qos: c.qos, role: c.role, label: TAB_ROLES[c.role], n: c.n,
    msgPerSec: summary(c.runs.map((r) => (r.complete ? r.msgPerSec : NaN))),
    settledPerSec: summary(c.runs.map((r) => (r.complete ? r.settledPerSec : NaN))),
    perRun: c.runs,
    incomplete: c.runs.filter((r) => !r.complete).map((r) => `${r.received}/${c.n} arrived, ${r.settled}/${c.n} settled`),
    notVisible: c.runs.filter((r) => r.visibility !== 'visible').length,
    protocolVersion: c.runs.find((r) => r.protocolVersion)?.protocolVersion,
    wsFrames: summary(c.runs.map((r) => r.wsFrames)),
    wsMaxFrame: Math.max(0, ...c.runs.map((r) => r.wsMaxFrame)),
    ...(c.errors.length ? { error: c.errors.join(' | ') } : {}),
  }));
  for (const r of rows) log(`  tabs throughput ${r.broker} QoS ${r.qos} ${r.role}: ${Math.round(r.msgPerSec.median)} msg/s at the subscriber [${r.perRun.map((p) => Math.round(p.msgPerSec)).join(', ')}], settled in the tab ${Math.round(r.settledPerSec.median)}/s, ${r.wsFrames.median} WS messages${r.error ? ` ERROR ${r.error}` : ''}`);
  return rows;
}

/** One burst from `tab` (brought to the front first); waits for the subscriber until all arrived or none for STALL_MS. */
async function publishOnce(tab, { topic, qos, n }, arrived) {
  await tab.front();
  await sleep(100); // the visibility change reaches the pages
  const job = await tab.run({ topic, qos, n, timeoutMs: RUN_TIMEOUT_MS }, RUN_TIMEOUT_MS + 15_000);
  let seen = -1;
  let seenAt = Date.now();
  const until = Date.now() + RUN_TIMEOUT_MS;
  while ((arrived()?.count ?? 0) < n && Date.now() < until) {
    const count = arrived()?.count ?? 0;
    if (count !== seen) {
      seen = count;
      seenAt = Date.now();
    } else if (Date.now() - seenAt > STALL_MS) break;
    await sleep(10);
  }
  const a = arrived() ?? { count: 0, lastAt: NaN };
  return {
    msgPerSec: Math.round((a.count / (a.lastAt - job.startedAt)) * 1000),
    settledPerSec: Math.round((job.settled / job.settledMs) * 1000),
    complete: a.count === n && job.complete && job.failed === 0,
    received: a.count,
    settled: job.settled,
    failed: job.failed,
    lastArrivalMs: a.lastAt - job.startedAt,
    settledMs: Math.round(job.settledMs),
    loopMs: Math.round(job.loopMs),
    visibility: job.visibility,
    protocolVersion: job.protocolVersion,
  };
}

/** Part 2 on one broker: `plan.handovers` times, the leader's tab closed and a new tab opened. */
async function failover(site, broker, plan, log) {
  const browser = await openTabBrowser();
  const params = { url: broker.url, clientId: `bench-tabs-fo-${broker.key}-${process.pid}`.slice(0, 23), share: 1 };
  const handovers = [];
  const errors = [];
  try {
    const live = [];
    for (let i = 0; i < plan.failoverTabs; i++) live.push(await openConnected(browser, site, params));
    for (let i = 0; i < plan.handovers; i++) {
      const leaders = live.filter((t) => t.role === 'leader');
      if (leaders.length !== 1) throw new Error(`handover ${i + 1}: ${leaders.length} tabs report role leader`);
      const closing = leaders[0];
      live.splice(live.indexOf(closing), 1);
      const since = browser.reports.length;
      const closedAt = Date.now();
      await closing.close();
      try {
        const leading = await browser.waitFor((r) => r.kind === 'leading' && live.includes(r.tab), 15_000, `handover ${i + 1}: a tab leading and connected`, { since, from: live });
        const role = browser.reports.slice(since).find((r) => r.kind === 'role' && r.role === 'leader' && r.tab === leading.tab);
        const h = {
          toLeaderMs: role ? role.at - closedAt : NaN,
          toConnectedMs: leading.at - closedAt,
          // The page's own clock for the same moment (a cross-check of Node's): Date.now() in the tab.
          pageToConnectedMs: leading.pageAt - closedAt,
          wasFront: live.indexOf(leading.tab) === live.length - 1,
          leaders: live.filter((t) => t.role === 'leader').length,
          // What the tab that took over went through, ms after the close call.
          states: browser.reports.slice(since).filter((r) => r.tab === leading.tab && r.kind === 'state' && r.at <= leading.at).map((r) => `${r.current} ${r.at - closedAt}`),
        };
        if (broker.clients) h.brokerClients = await settledCount(broker, 1);
        handovers.push(h);
      } catch (error) {
        errors.push(String(error?.message ?? error).slice(0, 300));
        if (errors.length >= 3) break;
      }
      live.push(await openConnected(browser, site, params));
    }
  } finally {
    await browser.quit();
  }
  const toConnected = handovers.map((h) => h.toConnectedMs);
  const row = {
    broker: broker.name, tabs: plan.failoverTabs, planned: plan.handovers, handovers: handovers.length,
    toLeaderMs: { ...summary(handovers.map((h) => h.toLeaderMs)), p95: percentile(handovers.map((h) => h.toLeaderMs), 95) },
    toConnectedMs: { ...summary(toConnected), p95: percentile(toConnected, 95) },
    pageToConnectedMs: summary(handovers.map((h) => h.pageToConnectedMs)),
    brokerClientsAfter: broker.clients ? [...new Set(handovers.map((h) => h.brokerClients))] : undefined,
    splitBrain: handovers.filter((h) => h.leaders !== 1).length,
    perHandover: handovers,
    ...(errors.length ? { error: errors.join(' | ') } : {}),
  };
  log(`  tabs failover ${broker.name}: ${row.handovers}/${row.planned} handovers, to connected median ${Math.round(row.toConnectedMs.median)} ms p95 ${Math.round(row.toConnectedMs.p95)} ms (to role leader median ${Math.round(row.toLeaderMs.median)} ms)${row.error ? ` ERROR ${row.error}` : ''}`);
  return row;
}

/** The broker's client count once it is `want`, or whatever it is after 2 s. */
async function settledCount(broker, want, ms = 2_000) {
  const until = Date.now() + ms;
  let count = await broker.clients();
  while (count !== want && Date.now() < until) {
    await sleep(20);
    count = await broker.clients();
  }
  return count;
}

/** Part 3: `plan.tabCount` tabs connected, shared (one group) and not (a clientId each), counted at the broker. */
async function connections(site, broker, plan, log) {
  const rows = [];
  for (const shared of [true, false]) {
    const before = await settledCount(broker, 0, 5_000);
    const browser = await openTabBrowser();
    try {
      const opened = [];
      for (let i = 0; i < plan.tabCount; i++) {
        const clientId = (shared ? `bench-tabs-n-${process.pid}` : `bench-tabs-n-${process.pid}-${i}`).slice(0, 23);
        opened.push(await browser.open(site, PAGE, { url: broker.url, clientId, ...(shared ? { share: 1 } : {}) }));
      }
      await Promise.all(opened.map((tab) => browser.waitFor((r) => r.tab === tab && r.kind === 'connected', 30_000, `tab ${tab.id} connected`, { from: [tab] })));
      // Settled: every tab connected; a count that still moves would show here as a second value.
      const clients = await broker.clients();
      await sleep(500);
      const clientsLater = await broker.clients();
      const roles = {};
      for (const tab of opened) roles[tab.role ?? 'solo'] = (roles[tab.role ?? 'solo'] ?? 0) + 1;
      rows.push({ shared, tabs: plan.tabCount, connectedTabs: opened.length, brokerClientsBefore: before, brokerClients: clients, brokerClientsAfter500ms: clientsLater, roles });
      log(`  tabs connections, ${shared ? 'shared' : 'not shared'}: ${plan.tabCount} tabs connected, ${clients} → ${clientsLater} at the broker (roles ${JSON.stringify(roles)})`);
    } finally {
      await browser.quit();
    }
  }
  return { broker: broker.name, rows };
}
