// Case 'outbox' (issue #15, BENCH_ONLY=outbox): offlineQueue.persist in Chromium's real IndexedDB.
// 1. QoS 1 throughput with persist on vs off, in the same browser page and run, in pairs whose order alternates
//    (off on, on off, off on, …: what drifts over the run, a page's heap or the machine's load, falls on both alike): a
//    loop of publish() calls awaited together, msg/s from the first publish to the last PUBACK; each persisted run's
//    database is deleted after it (the next one starts as empty). Reported: the median of each, their ratio, and the
//    median of the pairs' own ratios (each pair ran back to back, under the same load).
// 2. Restoring 10,000 stored publishes: a page publishes 10,000 QoS 1 messages with the broker unreachable and waits
//    until IndexedDB holds them all; a reloaded page creates the client again and we time createClient() to the
//    `queue` event with `restored` (outbox chunk loaded, database opened and read, publishes queued), then connect()
//    to the last of them acknowledged by the broker.
import { summary } from '../lib/stats.mjs';

const CHROMIUM = process.env.WEBMQTT_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function sdkPage(context, site) {
  const page = await context.newPage();
  // A file of the site's origin (IndexedDB belongs to the origin; nothing of it runs): the SDK comes from /client/.
  await page.goto(`${site.url}/bench/clients.mjs`);
  await page.evaluate(async () => {
    window.WebMqtt = await import('/client/webmqtt.browser.mjs');
  });
  return page;
}

/** In the page: publishes `count` QoS 1 messages of `size` bytes, returns msg/s. */
async function qos1Run(page, url, persist, count, size, clientId) {
  return page.evaluate(async ({ url, persist, count, size, clientId }) => {
    const client = window.WebMqtt.createClient({ url, clientId, offlineQueue: { persist, maxMessages: 100_000, maxBytes: 1e9 } });
    const errors = [];
    client.on('error', (e) => errors.push(e.code));
    await client.connect();
    const payload = 'p'.repeat(size);
    const t0 = performance.now();
    const all = [];
    for (let i = 0; i < count; i++) all.push(client.publish(`bench/outbox/${clientId}`, payload, { qos: 1 }));
    await Promise.all(all);
    const ms = performance.now() - t0;
    await client.close();
    if (persist) {
      await new Promise((resolve) => {
        const del = indexedDB.deleteDatabase(`webmqtt-outbox/${clientId}`);
        del.onsuccess = del.onerror = del.onblocked = resolve;
      });
    }
    return { msgPerS: (count / ms) * 1000, ms, errors };
  }, { url, persist, count, size, clientId });
}

function storedCount(page, clientId) {
  return page.evaluate((name) => new Promise((resolve) => {
    const open = indexedDB.open(name);
    open.onupgradeneeded = () => open.result.createObjectStore('records');
    open.onsuccess = () => {
      const req = open.result.transaction('records', 'readonly').objectStore('records').getAll();
      req.onsuccess = () => {
        open.result.close();
        // Records are stored in chunks (`{ r: [[key, record], …] }`); a value without `r` is one record.
        resolve(req.result.reduce((n, v) => n + (v.r ? v.r.length : 1), 0));
      };
    };
  }), `webmqtt-outbox/${clientId}`);
}

export async function outbox(ctx) {
  const { site, brokers, quick, log } = ctx;
  const broker = brokers[0];
  const runs = quick ? 2 : Number(process.env.BENCH_OUTBOX_PAIRS ?? 8);
  const count = quick ? 1_000 : 5_000;
  const restoreCount = 10_000;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const context = await browser.newContext();
    const page = await sdkPage(context, site);
    // Warm-up (not reported): the chunk, the database, the broker session.
    await qos1Run(page, broker.url, true, 500, 64, 'bench-outbox-warm');
    await qos1Run(page, broker.url, false, 500, 64, 'bench-outbox-warm-off');
    const off = [];
    const on = [];
    const pairRatios = [];
    const errors = [];
    for (let r = 0; r < runs; r++) {
      const first = r % 2 === 0 ? false : true;
      const x = await qos1Run(page, broker.url, first, count, 64, `bench-outbox-${first ? 'on' : 'off'}-${r}`);
      const y = await qos1Run(page, broker.url, !first, count, 64, `bench-outbox-${first ? 'off' : 'on'}-${r}`);
      const [a, b] = first ? [y, x] : [x, y];
      off.push(a.msgPerS);
      on.push(b.msgPerS);
      pairRatios.push(b.msgPerS / a.msgPerS);
      errors.push(...a.errors, ...b.errors);
      log(`outbox: pair ${r + 1} (${first ? 'on first' : 'off first'}): off ${a.msgPerS.toFixed(0)} msg/s, on ${b.msgPerS.toFixed(0)} msg/s (x${(b.msgPerS / a.msgPerS).toFixed(2)})`);
    }
    const offS = summary(off);
    const onS = summary(on);
    const pairs = summary(pairRatios);

    // Restore: 10,000 publishes stored while the broker is unreachable, then a reload.
    const clientId = 'bench-outbox-restore';
    const unreachable = 'ws://127.0.0.1:9/mqtt';
    const storing = await sdkPage(context, site);
    const storeMs = await storing.evaluate(async ({ url, clientId, n }) => {
      const client = window.WebMqtt.createClient({ url, clientId, reconnect: false, offlineQueue: { persist: true, maxMessages: 20_000, maxBytes: 1e9 } });
      window.keep = client;
      await new Promise((resolve) => setTimeout(resolve, 200));
      const t0 = performance.now();
      for (let i = 0; i < n; i++) client.publish('bench/outbox/restore', `r-${i}`, { qos: 1 }).catch(() => {});
      return performance.now() - t0;
    }, { url: unreachable, clientId, n: restoreCount });
    const t0 = Date.now();
    while ((await storedCount(storing, clientId)) < restoreCount) {
      if (Date.now() - t0 > 60_000) throw new Error('the outbox did not store 10,000 publishes within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const storedAfterMs = Date.now() - t0;
    await storing.close();
    const restoring = await sdkPage(context, site);
    const restore = await restoring.evaluate(async ({ url, clientId, n }) => {
      const t0 = performance.now();
      const client = window.WebMqtt.createClient({ url, clientId, offlineQueue: { persist: true, maxMessages: 20_000, maxBytes: 1e9 } });
      const restored = await new Promise((resolve) => client.on('queue', (q) => q.restored !== undefined && resolve(q.restored)));
      const restoredMs = performance.now() - t0;
      const t1 = performance.now();
      const settled = new Promise((resolve) => client.on('queue', (q) => q.restoredSettled && resolve(q.restoredSettled)));
      await client.connect();
      const fate = await settled;
      const flushMs = performance.now() - t1;
      await client.close();
      return { restored, restoredMs, flushMs, fate, n };
    }, { url: broker.url, clientId, n: restoreCount });
    await restoring.close();
    const result = {
      broker: broker.name,
      qos1: { messages: count, payloadBytes: 64, runs, order: 'pairs alternating off-on / on-off', off: offS, on: onS, ratio: onS.median / offS.median, pairRatio: pairs, errors },
      restore: { ...restore, publishLoopMs: storeMs, storedWithinMs: storedAfterMs },
    };
    log(`outbox: QoS 1 ${broker.name}: off ${offS.median.toFixed(0)} msg/s, persist ${onS.median.toFixed(0)} msg/s (x${result.qos1.ratio.toFixed(2)}, median of pairs x${pairs.median.toFixed(2)}); restore ${restoreCount}: ${restore.restoredMs.toFixed(0)} ms to the restored event, ${restore.flushMs.toFixed(0)} ms to all acknowledged`);
    return result;
  } finally {
    await browser.close();
  }
}
