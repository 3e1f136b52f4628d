// Case 3b: 300 Node clients on a broker that goes away for 2 s: connects per 100 ms after it is back.
import { startDevBroker } from '../lib/dev-broker.mjs';
import { sleep, withTimeout } from '../lib/stats.mjs';
import { CLIENT_KINDS, openNodeClient } from '../lib/node-clients.mjs';

const BUCKET_MS = 100;

export async function herd(ctx) {
  const { quick, log } = ctx;
  const count = quick ? 100 : 300;
  const rows = [];
  for (const kind of ['webmqtt', 'mqtt']) {
    const broker = await startDevBroker();
    const clients = [];
    let connects = [];
    try {
      // Connect in small groups so the initial connect is not itself a herd.
      for (let i = 0; i < count; i += 25) {
        const group = [];
        for (let j = i; j < Math.min(count, i + 25); j++) group.push(openNodeClient(kind, broker.url, `herd_${kind}_${j}`.slice(0, 23), { onConnect: () => connects.push(Date.now()) }));
        clients.push(...(await Promise.all(group)));
      }
      connects = [];
      const { at: pausedAt } = await broker.pause();
      await sleep(2_000);
      const { at: resumedAt } = await broker.resume();
      const until = Date.now() + 60_000;
      while (connects.length < count && Date.now() < until) await sleep(50);
      const after = connects.filter((t) => t >= resumedAt).map((t) => t - resumedAt);
      const buckets = [];
      for (const t of after) {
        const b = Math.floor(t / BUCKET_MS);
        buckets[b] = (buckets[b] ?? 0) + 1;
      }
      for (let i = 0; i < buckets.length; i++) buckets[i] ??= 0;
      const peak = Math.max(0, ...buckets);
      const row = {
        client: kind, label: CLIENT_KINDS[kind], clients: count, pauseMs: resumedAt - pausedAt,
        reconnected: after.length, connectsDuringPause: connects.length - after.length,
        peakPer100ms: peak, peakBucketStartMs: buckets.indexOf(peak) * BUCKET_MS,
        allBackMs: after.length ? Math.max(...after) : NaN, buckets,
      };
      rows.push(row);
      log(`  herd ${kind}: ${after.length}/${count} back, peak ${peak}/100 ms at ${row.peakBucketStartMs} ms, all back in ${row.allBackMs} ms`);
    } finally {
      await Promise.all(clients.map((c) => withTimeout(c.close(), 3_000, 'close').catch(() => {})));
      await broker.stop();
    }
  }
  return rows;
}
