// Round-trip latency at 100 msg/s of builds side by side (same jobs as the latency suite, any clients):
//   BENCH_CLIENTS=webmqtt@before,webmqtt,mqtt node bench/tools/latency-ab.mjs [runs] [qos]
import { startSite } from '../lib/http.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { openWorker } from '../lib/browser.mjs';
import { percentile } from '../lib/stats.mjs';

const [runs = '3', qos = '0'] = process.argv.slice(2);
const clients = (process.env.BENCH_CLIENTS ?? 'webmqtt,mqtt').split(',');
const site = await startSite();
const broker = await startMosquitto();
const workers = Object.fromEntries(await Promise.all(clients.map(async (c) => [c, await openWorker(site, { client: c })])));
const rtt = Object.fromEntries(clients.map((c) => [c, []]));
try {
  for (let round = 0; round < Number(runs); round++) {
    for (const c of round % 2 ? [...clients].reverse() : clients) {
      const r = await workers[c].run({ mode: 'latency', url: broker.url, qos: Number(qos), rate: 100, count: 300 }, 60_000);
      rtt[c].push(...r.rtt);
    }
  }
} finally {
  await Promise.all(Object.values(workers).map((w) => w.close()));
  await broker.stop();
  await site.close();
}
for (const c of clients) console.log(`QoS ${qos} ${c.padEnd(18)} p50 ${percentile(rtt[c], 50).toFixed(2)} ms  p99 ${percentile(rtt[c], 99).toFixed(2)} ms  (${rtt[c].length} samples)`);
process.exit(0);
