// Case 1: browser -> broker -> same browser, 64 B payloads, one page publishing to a topic it
// subscribes to. One Chromium process per (broker, QoS, client): a warm-up run, then `runs` runs.
import { openWorker } from '../lib/browser.mjs';
import { summary } from '../lib/stats.mjs';

// webmqtt-tuned (a custom mqttFactory) is left out: webmqtt's defaults now carry what it tuned, and a
// custom factory goes without the bounded-message socket. BENCH_CLIENTS=webmqtt-tuned,... still runs it.
export const THROUGHPUT_CLIENTS = ['webmqtt', 'mqtt', 'mqtt-tuned', 'paho', 'raw', 'raw-batch'];
export const LABELS = {
  webmqtt: 'webmqtt (defaults)',
  'webmqtt-tuned': 'webmqtt (tuned: mqttFactory + reschedulePings false)',
  mqtt: 'MQTT.js 5.16 (defaults)',
  'mqtt-tuned': 'MQTT.js 5.16 (reschedulePings false)',
  paho: 'Paho JS 1.1',
  raw: 'raw WebSocket ceiling (1 PUBLISH/frame)',
  'raw-batch': 'raw WebSocket ceiling (32 PUBLISH/frame)',
};

export async function throughput(ctx) {
  const { site, brokers, quick, log } = ctx;
  const runs = quick ? 1 : Number(process.env.BENCH_RUNS ?? 5);
  const sizes = { 0: quick ? 5_000 : 20_000, 1: quick ? 2_000 : 5_000 };
  // BENCH_CLIENTS=webmqtt@before,webmqtt,mqtt: a subset, or builds side by side (bench/tools/build-variant.mjs).
  const clients = process.env.BENCH_CLIENTS ? process.env.BENCH_CLIENTS.split(',') : THROUGHPUT_CLIENTS;
  // One long-lived page per client; runs are interleaved (round-robin, rotating order) so that
  // whatever else the machine does lands on every client alike.
  const workers = Object.fromEntries(await Promise.all(clients.map(async (c) => [c, await openWorker(site, { client: c })])));
  const cases = [];
  // The second broker gets the main rows only (time budget): no 1-frame ceiling, no tuned MQTT.js.
  const on = (broker, client) => broker === brokers[0] || !['raw', 'mqtt-tuned'].includes(client);
  const qosList = process.env.BENCH_QOS ? process.env.BENCH_QOS.split(',').map(Number) : [0, 1];
  for (const broker of brokers) for (const qos of qosList) for (const client of clients) if (on(broker, client)) cases.push({ broker, qos, client, n: sizes[qos], runs: [], errors: [] });
  try {
    for (let round = -1; round < runs; round++) {
      for (const broker of brokers) {
        for (const qos of qosList) {
          const group = cases.filter((c) => c.broker === broker && c.qos === qos);
          const offset = (round + 1) % group.length;
          for (const c of [...group.slice(offset), ...group.slice(0, offset)]) {
            const n = round < 0 ? Math.floor(c.n / 4) : c.n; // round -1: warm-up, not reported
            try {
              const r = await workers[c.client].run({ mode: 'throughput', url: broker.url, qos, n, timeout: 30_000 }, 60_000);
              if (round >= 0) c.runs.push(r);
            } catch (e) {
              c.errors.push(String(e.message ?? e).slice(0, 300));
            }
          }
        }
      }
      if (round >= 0) log(`  throughput round ${round + 1}/${runs} done`);
    }
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.close()));
  }
  return cases.map((c) => {
    const row = {
      broker: c.broker.name, qos: c.qos, client: c.client, label: LABELS[c.client] ?? c.client, n: c.n,
      msgPerSec: summary(c.runs.map((m) => (m.complete ? m.msgPerSec : NaN))),
      incomplete: c.runs.filter((m) => !m.complete).map((m) => `${m.received}/${c.n}`),
      maxFrameBytes: Math.max(0, ...c.runs.map((m) => m.maxFrame)),
      framesPerRun: c.runs.map((m) => m.frames),
      loopMs: c.runs.map((m) => Math.round(m.loopMs)),
      ...(c.errors.length ? { error: c.errors.join(' | ') } : {}),
    };
    log(`  throughput ${row.broker} QoS ${row.qos} ${row.client}: ${Math.round(row.msgPerSec.median)} msg/s [${c.runs.map((m) => Math.round(m.msgPerSec)).join(', ')}]${row.error ? ` ERROR ${row.error}` : ''}`);
    return row;
  });
}

/** Does Playwright's DevTools session slow WebSocket throughput? Same case, both drivers, interleaved. */
export async function driverCheck(ctx) {
  const { site, brokers, quick, log } = ctx;
  const broker = brokers[0];
  const n = quick ? 5_000 : 20_000;
  const drivers = ['process', 'playwright'];
  const workers = {};
  for (const d of drivers) workers[d] = await openWorker(site, { client: 'mqtt' }, { driver: d });
  const runs = { process: [], playwright: [] };
  try {
    for (let round = -1; round < (quick ? 1 : 3); round++) {
      for (const d of drivers) {
        const r = await workers[d].run({ mode: 'throughput', url: broker.url, qos: 0, n: round < 0 ? n / 4 : n }, 60_000);
        if (round >= 0) runs[d].push(r.msgPerSec);
      }
    }
  } finally {
    for (const d of drivers) await workers[d].close();
  }
  return drivers.map((driver) => {
    const row = { driver, broker: broker.name, client: 'mqtt', qos: 0, msgPerSec: summary(runs[driver]) };
    log(`  driver ${driver}: ${Math.round(row.msgPerSec.median)} msg/s`);
    return row;
  });
}
