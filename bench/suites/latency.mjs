// Case 2: round trip of a publish to its own subscription at a steady 100 msg/s, runs interleaved.
import { openWorker } from '../lib/browser.mjs';
import { percentile, summary } from '../lib/stats.mjs';

export async function latency(ctx) {
  const { site, brokers, quick, log } = ctx;
  const broker = brokers[0];
  const clients = ['webmqtt', 'mqtt'];
  const runs = quick ? 1 : 3;
  const workers = Object.fromEntries(await Promise.all(clients.map(async (c) => [c, await openWorker(site, { client: c })])));
  const results = {};
  try {
    for (let round = 0; round < runs; round++) {
      for (const qos of [0, 1]) {
        for (const client of round % 2 ? [...clients].reverse() : clients) {
          const r = await workers[client].run({ mode: 'latency', url: broker.url, qos, rate: 100, count: quick ? 100 : 300 }, 60_000);
          (results[`${qos}/${client}`] ??= []).push(r);
        }
      }
    }
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.close()));
  }
  const rows = [];
  for (const qos of [0, 1]) {
    for (const client of clients) {
      const messages = results[`${qos}/${client}`];
      const pooled = messages.flatMap((m) => m.rtt);
      const row = {
        broker: broker.name, qos, client,
        p50: summary(messages.map((m) => percentile(m.rtt, 50))),
        p99: summary(messages.map((m) => percentile(m.rtt, 99))),
        pooledP50: percentile(pooled, 50),
        pooledP99: percentile(pooled, 99),
        lost: messages.reduce((a, m) => a + (m.sent - m.rtt.length), 0),
        samples: pooled.length,
      };
      rows.push(row);
      log(`  latency ${broker.name} QoS ${qos} ${client}: p50 ${row.pooledP50.toFixed(2)} ms p99 ${row.pooledP99.toFixed(2)} ms`);
    }
  }
  return rows;
}
