// Case 3b: 300 Node clients on a broker that goes away for 2 s. Two views of the herd:
// - connection attempts per 100 ms from the moment the broker goes away (refused ones included):
//   the load a restarting broker and its load balancer see;
// - successful connects per 100 ms after it is back: capped by how fast one broker process accepts.
import { startDevBroker } from '../lib/dev-broker.mjs';
import { sleep, withTimeout } from '../lib/stats.mjs';
import { CLIENT_KINDS, openNodeClient } from '../lib/node-clients.mjs';

const BUCKET_MS = 100;
const PAUSE_MS = 2_000;

/** Counts per bucket of `times` (ms, relative), no holes. */
export function histogram(times, bucketMs = BUCKET_MS) {
  const buckets = [];
  for (const t of times) {
    const b = Math.floor(t / bucketMs);
    buckets[b] = (buckets[b] ?? 0) + 1;
  }
  for (let i = 0; i < buckets.length; i++) buckets[i] ??= 0;
  return buckets;
}

export async function herd(ctx) {
  const { quick, log } = ctx;
  const count = quick ? 100 : 300;
  const rows = [];
  for (const kind of ['webmqtt', 'webmqtt-wide', 'mqtt']) {
    const broker = await startDevBroker();
    const clients = [];
    let connects = [];
    let attempts = [];
    try {
      // Connect in small groups so the initial connect is not itself a herd.
      for (let i = 0; i < count; i += 25) {
        const group = [];
        for (let j = i; j < Math.min(count, i + 25); j++) {
          group.push(openNodeClient(kind, broker.url, `herd_${kind}_${j}`.slice(0, 23), {
            onConnect: () => connects.push(Date.now()),
            onAttempt: () => attempts.push(Date.now()),
          }));
        }
        clients.push(...(await Promise.all(group)));
      }
      connects = [];
      attempts = [];
      const { at: pausedAt } = await broker.pause();
      await sleep(PAUSE_MS);
      const { at: resumedAt } = await broker.resume();
      const until = Date.now() + 60_000;
      while (connects.length < count && Date.now() < until) await sleep(50);
      const after = connects.filter((t) => t >= resumedAt).map((t) => t - resumedAt);
      const buckets = histogram(after);
      const peak = Math.max(0, ...buckets);
      const attemptBuckets = histogram(attempts.filter((t) => t >= pausedAt).map((t) => t - pausedAt));
      const attemptPeak = Math.max(0, ...attemptBuckets);
      const row = {
        client: kind, label: CLIENT_KINDS[kind], clients: count, pauseMs: resumedAt - pausedAt,
        reconnected: after.length, connectsDuringPause: connects.length - after.length,
        peakPer100ms: peak, peakBucketStartMs: buckets.indexOf(peak) * BUCKET_MS,
        allBackMs: after.length ? Math.max(...after) : NaN, buckets,
        attempts: attempts.length, attemptPeakPer100ms: attemptPeak,
        attemptPeakStartMs: attemptBuckets.indexOf(attemptPeak) * BUCKET_MS, attemptBuckets,
      };
      rows.push(row);
      log(`  herd ${kind}: ${after.length}/${count} back, connect peak ${peak}/100 ms at ${row.peakBucketStartMs} ms, all back in ${row.allBackMs} ms; ${attempts.length} attempts, attempt peak ${attemptPeak}/100 ms at ${row.attemptPeakStartMs} ms after the broker went away`);
    } finally {
      await Promise.all(clients.map((c) => withTimeout(c.close(), 3_000, 'close').catch(() => {})));
      await broker.stop();
    }
  }
  return rows;
}
