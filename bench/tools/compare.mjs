// Side-by-side throughput (and router) runs without touching bench/results or BENCHMARKS.md:
//   BENCH_CLIENTS=webmqtt@before,webmqtt,mqtt BENCH_RUNS=5 node bench/tools/compare.mjs [out.json]
// Variants are built with bench/tools/build-variant.mjs. BENCH_QUICK=1 for small sizes,
// BENCH_BROKERS=mosquitto or =aedes for one broker, BENCH_QOS=0 for one QoS.
import { writeFileSync } from 'node:fs';
import { startSite } from '../lib/http.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { throughput } from '../suites/throughput.mjs';
import { router } from '../suites/router.mjs';

const started = Date.now();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const quick = process.env.BENCH_QUICK === '1';
const want = (process.env.BENCH_BROKERS ?? 'mosquitto,aedes').split(',');
const site = await startSite();
const brokers = [];
if (want.includes('mosquitto')) {
  const m = await startMosquitto();
  brokers.push({ name: 'Mosquitto', url: m.url, stop: () => m.stop() });
}
if (want.includes('aedes')) {
  const d = await startDevBroker({ maxPacketSize: 8 * 1024 * 1024 });
  brokers.push({ name: 'dev broker (aedes)', url: d.url, stop: () => d.stop() });
}
const out = {};
try {
  if (process.env.BENCH_ROUTER === '1') out.router = await router({ quick, log });
  if (process.env.BENCH_THROUGHPUT !== '0') out.throughput = await throughput({ site, brokers, quick, log });
} finally {
  for (const b of brokers) await b.stop().catch(() => {});
  await site.close();
}
for (const r of out.throughput ?? []) {
  const base = out.throughput.find((b) => b.broker === r.broker && b.qos === r.qos && b.client === 'mqtt');
  const ratio = base ? (r.msgPerSec.median / base.msgPerSec.median).toFixed(2) : 'n/a';
  console.log(`${r.broker.padEnd(20)} QoS ${r.qos} ${r.client.padEnd(18)} ${String(Math.round(r.msgPerSec.median)).padStart(6)} msg/s  ×${ratio} vs mqtt  runs [${r.msgPerSec.runs.map(Math.round).join(', ')}]  max WS msg ${r.maxFrameBytes} B  frames ${r.framesPerRun.join('/')}${r.incomplete.length ? ` incomplete ${r.incomplete}` : ''}${r.error ? ` ERROR ${r.error}` : ''}`);
}
if (process.argv[2]) writeFileSync(process.argv[2], JSON.stringify(out, null, 2));
process.exit(0);
