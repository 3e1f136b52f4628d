// Case 3a: from broker back up to first message delivered (20 clients at once, median of 20),
// and from the browser's `online` event to the connection attempt.
import { runPage } from '../lib/browser.mjs';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { freePort } from '../lib/mosquitto.mjs';
import { sleep, summary, withTimeout } from '../lib/stats.mjs';
import { CLIENT_KINDS, openNodeClient } from '../lib/node-clients.mjs';

export async function recovery(ctx) {
  const { quick, log } = ctx;
  const count = quick ? 10 : 20;
  const rows = [];
  for (const kind of ['webmqtt', 'webmqtt-fast', 'mqtt']) {
    const broker = await startDevBroker();
    const clients = [];
    try {
      const firstAfter = new Array(count).fill(NaN);
      const queuedDelivered = new Array(count).fill(false);
      let resumedAt = Infinity;
      for (let i = 0; i < count; i++) {
        // Like an app announcing itself: one message on every (re)connect.
        const onConnect = () => clients[i]?.publish(`rc/${i}`, new Uint8Array([2]), 1);
        clients.push(await openNodeClient(kind, broker.url, `rc_${kind}_${i}`.slice(0, 23), { onConnect }));
      }
      await Promise.all(clients.map((c, i) => c.subscribe(`rc/${i}`, 1, (payload) => {
        const now = Date.now();
        if (payload[0] === 1) queuedDelivered[i] = true;
        if (now >= resumedAt && Number.isNaN(firstAfter[i])) firstAfter[i] = now - resumedAt;
      })));
      await broker.pause();
      await sleep(500); // every client has seen the drop and is waiting to retry
      clients.forEach((c, i) => c.publish(`rc/${i}`, new Uint8Array([1]), 1)); // queued while offline
      resumedAt = Date.now();
      const { at } = await broker.resume();
      resumedAt = at; // the broker's clock (same machine): listening again from here
      const until = Date.now() + 30_000;
      while (firstAfter.some(Number.isNaN) && Date.now() < until) await sleep(20);
      const grace = Date.now() + 2_000; // the message queued while offline gets 2 s more
      while (queuedDelivered.includes(false) && Date.now() < grace) await sleep(20);
      const row = { client: kind, label: CLIENT_KINDS[kind], firstMessageMs: summary(firstAfter), lost: firstAfter.filter(Number.isNaN).length, offlineQueuedDelivered: queuedDelivered.filter(Boolean).length, clients: count };
      rows.push(row);
      log(`  recovery ${kind}: median ${Math.round(row.firstMessageMs.median)} ms (${Math.round(row.firstMessageMs.min)}–${Math.round(row.firstMessageMs.max)}), lost ${row.lost}, offline-queued delivered ${row.offlineQueuedDelivered}/${count}`);
    } finally {
      await Promise.all(clients.map((c) => withTimeout(c.close(), 3_000, 'close').catch(() => {})));
      await broker.stop();
    }
  }
  return rows;
}

export async function onlineEvent(ctx) {
  const { site, brokers, quick, log } = ctx;
  const dead = `ws://127.0.0.1:${await freePort()}/mqtt`;
  const messages = await runPage(site, 'harness.html', { mode: 'online', url: brokers[0].url, dead, reps: quick ? 5 : 20 }, { timeoutMs: 120_000 });
  const row = { broker: brokers[0].name, toAttemptMs: summary(messages.map((m) => m.toAttemptMs)), toConnectedMs: summary(messages.map((m) => m.toConnectedMs)) };
  log(`  online -> attempt: median ${row.toAttemptMs.median.toFixed(2)} ms, -> connected ${row.toConnectedMs.median.toFixed(2)} ms`);
  return row;
}
