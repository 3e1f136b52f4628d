// `npm run bench`: every case in one run, same machine, same brokers, same page setup.
// Prints the tables, writes bench/results/<date>.json (+ latest.json) and refreshes BENCHMARKS.md.
// BENCH_QUICK=1: a ~1-2 minute smoke run with small sizes. BENCH_ONLY=throughput,size,...: a subset (react: the
// React list, bench/suites/react-list.mjs; outbox: offlineQueue.persist on vs off and a 10,000-publish restore,
// bench/suites/outbox.mjs; tabs: shareAcrossTabs, follower vs leader tab publishing, failover, connections at the broker,
// bench/suites/tabs.mjs).
// BENCH_BASELINE_REF=<git ref>: the size and pageload suites also build that ref (bench/lib/git-ref.mjs) and
// report it side by side with the working tree.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSite } from './lib/http.mjs';
import { startMosquitto, MOSQUITTO_CONF_NOTE } from './lib/mosquitto.mjs';
import { startDevBroker } from './lib/dev-broker.mjs';
import { environment } from './lib/env.mjs';
import { markdown } from './lib/report.mjs';
import { throughput, driverCheck } from './suites/throughput.mjs';
import { latency } from './suites/latency.mjs';
import { recovery, onlineEvent } from './suites/reconnect.mjs';
import { herd } from './suites/herd.mjs';
import { memory } from './suites/memory.mjs';
import { size } from './suites/size.mjs';
import { pageLoad } from './suites/page-load.mjs';
import { router } from './suites/router.mjs';
import { reactList } from './suites/react-list.mjs';
import { outbox } from './suites/outbox.mjs';
import { tabs } from './suites/tabs.mjs';

const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const started = Date.now();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const DEV_BROKER_MAX_PACKET = 8 * 1024 * 1024;

// Hard ceiling: whatever hangs, the run ends. Building a baseline ref (npm ci, npm run build) gets 10 minutes more.
const ceilingMin = Number(process.env.BENCH_CEILING_MIN ?? 15) + (process.env.BENCH_BASELINE_REF ? 10 : 0); // BENCH_CEILING_MIN: another ceiling (#17: throughput has ~2× the cases)
setTimeout(() => {
  console.error(`bench: over ${ceilingMin} minutes, giving up`);
  process.exit(2);
}, ceilingMin * 60_000).unref();

const results = { quick, runs: quick ? 1 : Number(process.env.BENCH_RUNS ?? 5), env: await environment(), errors: [] };
results.baselineRef = process.env.BENCH_BASELINE_REF || undefined;
results.mosquittoConf = MOSQUITTO_CONF_NOTE;
results.devBrokerMaxPacket = DEV_BROKER_MAX_PACKET;
results.throughputSizes = quick ? 'QoS 0: 5,000 messages, QoS 1: 2,000 per run' : 'QoS 0: 20,000 messages, QoS 1: 5,000 per run, after one unreported warm-up run of a quarter of that';
log(`machine: ${results.env.cpus} × ${results.env.cpuModel}, ${results.env.chromium}, node ${results.env.node}`);

const site = await startSite();
const brokers = [];
let mosquitto;
try {
  mosquitto = await startMosquitto();
} catch (error) {
  results.errors.push({ suite: 'mosquitto', error: String(error.message) });
}
if (mosquitto) brokers.push({ name: 'Mosquitto', url: mosquitto.url, stop: () => mosquitto.stop() });
else log('mosquitto not available: its rows are skipped');
const dev = await startDevBroker({ maxPacketSize: DEV_BROKER_MAX_PACKET });
brokers.push({ name: 'dev broker (aedes)', url: dev.url, stop: () => dev.stop() });

const ctx = { site, brokers, quick, log };
const suites = [
  ['size', () => size(ctx)],
  ['pageload', () => pageLoad(ctx)],
  ['router', () => router(ctx)],
  ['throughput', () => throughput(ctx)],
  ['driverCheck', () => driverCheck(ctx)],
  ['latency', () => latency(ctx)],
  ['online', () => onlineEvent(ctx)],
  ['recovery', () => recovery(ctx)],
  ['herd', () => herd(ctx)],
  ['memory', () => memory(ctx)],
  ['react', () => reactList(ctx)],
  ['outbox', () => outbox(ctx)],
  ['tabs', () => tabs(ctx)],
];
try {
  for (const [name, run] of suites) {
    if (only && !only.has(name)) continue;
    log(`${name}…`);
    try {
      results[name] = await run();
    } catch (error) {
      results.errors.push({ suite: name, error: String(error?.stack ?? error) });
      log(`${name} FAILED: ${error?.message ?? error}`);
    }
  }
} finally {
  for (const b of brokers) await b.stop().catch(() => {});
  await site.close();
}
results.elapsedS = Math.round((Date.now() - started) / 1000);
results.env.loadAverageAtEnd = (await import('node:os')).loadavg().map((l) => +l.toFixed(1));

const md = markdown(results);
console.log(`\n${md}\n`);
mkdirSync(here('./results'), { recursive: true });
const stamp = results.env.date.replace(/[:.]/g, '-');
const json = JSON.stringify(results, null, 2);
writeFileSync(here(`./results/${quick ? 'quick-' : ''}${stamp}.json`), json);
writeFileSync(here(`./results/${quick ? 'quick-' : ''}latest.json`), json);

// BENCHMARKS.md keeps its hand-written text; only the block between the markers is replaced.
// A quick, partial or baseline-comparison run never overwrites the published numbers.
if (!quick && !only && !results.baselineRef) {
  const path = here('../BENCHMARKS.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  let doc;
  try {
    doc = readFileSync(path, 'utf8');
  } catch {
    doc = `# Benchmarks\n\n${begin}\n${end}\n`;
  }
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  const block = `${begin}\n${md}\n${end}`;
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc}\n${block}\n`;
  writeFileSync(path, doc);
  log('BENCHMARKS.md updated');
}
log(`done in ${results.elapsedS} s${results.errors.length ? ` with ${results.errors.length} error(s)` : ''}`);
process.exit(results.errors.length ? 1 : 0);
