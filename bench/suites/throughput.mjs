// Case 1: browser -> broker -> same browser, 64 B payloads, one page publishing to a topic it
// subscribes to. One long-lived Chromium page per client; a warm-up round, then `runs` rounds.
//
// Headline rows: brokers at their DEFAULTS (Mosquitto's stock config, the dev broker's defaults), as users run
// them. Extra rows, labelled: Mosquitto with no broker-side window (the setup of earlier runs) and the dev broker
// with maxPacketSize 8 MiB (MQTT.js's QoS 0 burst is one 1.66 MB WebSocket message, over the default 1 MiB).
// The suite starts its own brokers (BENCH_BROKERS=mosquitto,aedes,mosquitto-unlimited,aedes-8mib: a subset), so
// each row's broker config is the one recorded with it.
import { openWorker, profileSummary } from '../lib/browser.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { median, summary } from '../lib/stats.mjs';

// webmqtt-tuned (a custom mqttFactory) is left out: webmqtt's defaults now carry what it tuned, and a
// custom factory goes without the bounded-message socket. BENCH_CLIENTS=webmqtt-tuned,... still runs it.
export const THROUGHPUT_CLIENTS = ['webmqtt', 'mqtt', 'mqtt-v5', 'mqtt-tuned', 'paho', 'raw', 'raw-batch', 'raw-window', 'raw-window-batch'];
export const LABELS = {
  webmqtt: "webmqtt (defaults: protocolVersion 'auto')",
  'webmqtt-v4': 'webmqtt (protocolVersion 4)',
  'webmqtt-v5': 'webmqtt (protocolVersion 5)',
  'webmqtt-tuned': 'webmqtt (tuned: mqttFactory + reschedulePings false)',
  mqtt: 'MQTT.js 5.16 (defaults)',
  'mqtt-tuned': 'MQTT.js 5.16 (reschedulePings false)',
  'mqtt-v5': 'MQTT.js 5.16 (protocolVersion 5; ignores Receive Maximum)',
  paho: 'Paho JS 1.1',
  raw: 'raw WebSocket, no window (1 PUBLISH/frame)',
  'raw-batch': 'raw WebSocket, no window (32 PUBLISH/frame)',
  'raw-window': 'raw WebSocket within the broker window (1 PUBLISH/frame)',
  'raw-window-batch': 'raw WebSocket within the broker window (freed slots in one frame)',
};
/** Window-honouring clients: at QoS 0 there is no window, they would repeat raw / raw-batch. */
const QOS1_ONLY = new Set(['raw-window', 'raw-window-batch']);

const DEV_DEFAULT_MAX_PACKET = 1024 * 1024; // @webmqtt/broker's default (packages/broker/src/options.ts)
const DEV_EXTRA_MAX_PACKET = 8 * 1024 * 1024;

/** Which clients run on which broker and QoS (time budget: the extras get the rows they are there for). */
const PLAN = {
  mosquitto: { 0: ['webmqtt', 'webmqtt-v4', 'webmqtt-v5', 'webmqtt-tuned', 'mqtt', 'mqtt-tuned', 'paho', 'raw', 'raw-batch'], 1: ['webmqtt', 'webmqtt-v4', 'webmqtt-v5', 'webmqtt-tuned', 'mqtt', 'mqtt-v5', 'mqtt-tuned', 'paho', 'raw', 'raw-batch', 'raw-window', 'raw-window-batch'] },
  aedes: { 0: ['webmqtt', 'webmqtt-v4', 'webmqtt-tuned', 'mqtt', 'paho', 'raw-batch'], 1: ['webmqtt', 'webmqtt-v4', 'webmqtt-tuned', 'mqtt', 'paho', 'raw-batch', 'raw-window', 'raw-window-batch'] },
  'mosquitto-unlimited': { 0: ['webmqtt', 'webmqtt-v4', 'mqtt', 'raw', 'raw-batch'], 1: ['webmqtt', 'webmqtt-v4', 'mqtt', 'raw', 'raw-batch'] },
  'aedes-8mib': { 0: ['webmqtt', 'mqtt'], 1: [] },
};

async function startBrokers(log) {
  const want = (process.env.BENCH_BROKERS ?? 'mosquitto,aedes,mosquitto-unlimited,aedes-8mib').split(',');
  const out = [];
  for (const [key, profile] of [['mosquitto', 'stock'], ['mosquitto-unlimited', 'unlimited']]) {
    if (!want.includes(key)) continue;
    const m = await startMosquitto({ profile }).catch((e) => { log(`  ${key}: ${e.message}`); return undefined; });
    if (!m) continue;
    out.push({ key, name: profile === 'stock' ? 'Mosquitto' : 'Mosquitto (unlimited window)', headline: profile === 'stock', url: m.url, conf: `${m.note}. mosquitto.conf: ${m.conf.split('\n').join('; ')}`, stop: () => m.stop() });
  }
  for (const [key, maxPacketSize] of [['aedes', DEV_DEFAULT_MAX_PACKET], ['aedes-8mib', DEV_EXTRA_MAX_PACKET]]) {
    if (!want.includes(key)) continue;
    const d = await startDevBroker({ maxPacketSize });
    const headline = key === 'aedes';
    out.push({
      key, name: headline ? 'dev broker (aedes)' : 'dev broker (aedes, maxPacketSize 8 MiB)', headline, url: d.url,
      conf: headline ? `@webmqtt/broker defaults (maxPacketSize 1 MiB, MQTT 3.1.1 only, no window), anonymous auth, ws only` : 'maxPacketSize 8 MiB (so that MQTT.js\'s single-message QoS 0 burst is accepted), otherwise defaults',
      stop: () => d.stop(),
    });
  }
  // Headline brokers first, then the extras, in this order in every table.
  return [...out.filter((b) => b.headline), ...out.filter((b) => !b.headline)];
}

export async function throughput(ctx) {
  const { site, quick, log } = ctx;
  const runs = quick ? 1 : Number(process.env.BENCH_RUNS ?? 5);
  const sizes = { 0: quick ? 5_000 : 20_000, 1: quick ? 2_000 : 5_000 };
  // BENCH_CLIENTS=webmqtt@before,webmqtt,mqtt: a subset, or builds side by side (bench/tools/build-variant.mjs).
  const clients = process.env.BENCH_CLIENTS ? process.env.BENCH_CLIENTS.split(',') : THROUGHPUT_CLIENTS;
  const qosList = process.env.BENCH_QOS ? process.env.BENCH_QOS.split(',').map(Number) : [0, 1];
  const brokers = await startBrokers(log);
  // A client named in BENCH_CLIENTS but in no plan (a variant) runs wherever webmqtt does.
  const planned = (broker, qos, client) => (PLAN[broker.key][qos] ?? []).includes(/^webmqtt@/.test(client) ? 'webmqtt' : client) && !(qos === 0 && QOS1_ONLY.has(client));
  const cases = [];
  for (const broker of brokers) for (const qos of qosList) for (const client of clients) if (planned(broker, qos, client)) cases.push({ broker, qos, client, n: sizes[qos], runs: [], errors: [] });
  // One long-lived page per client; runs are interleaved (round-robin, rotating order) so that
  // whatever else the machine does lands on every client alike.
  const workers = Object.fromEntries(await Promise.all([...new Set(cases.map((c) => c.client))].map(async (c) => [c, await openWorker(site, { client: c })])));
  const job = (broker, qos, n) => ({ mode: 'throughput', url: broker.url, qos, n, timeout: 30_000, stallMs: 3_000 });
  let profiles = [];
  try {
    for (let round = -1; round < runs; round++) {
      for (const broker of brokers) {
        for (const qos of qosList) {
          const group = cases.filter((c) => c.broker === broker && c.qos === qos);
          if (!group.length) continue;
          const offset = (round + 1) % group.length;
          for (const c of [...group.slice(offset), ...group.slice(0, offset)]) {
            // A client whose burst the broker drops (e.g. no window against Mosquitto's stock queue limits) is not
            // run again once two runs (the warm-up counts) ended incomplete: each costs a stall timeout.
            if (c.incompleteRuns >= 2) continue;
            const n = round < 0 ? Math.floor(c.n / 4) : c.n; // round -1: warm-up, not reported
            try {
              const r = await workers[c.client].run(job(broker, qos, n), 60_000);
              if (!r.complete) c.incompleteRuns = (c.incompleteRuns ?? 0) + 1;
              if (round >= 0 || !r.complete) c.runs.push({ ...r, warmUp: round < 0 });
            } catch (e) {
              c.errors.push(String(e.message ?? e).slice(0, 300));
            }
          }
        }
      }
      if (round >= 0) log(`  throughput round ${round + 1}/${runs} done`);
    }
    profiles = await profileRuns({ brokers, workers, job, sizes, quick, log });
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.close()));
    for (const b of brokers) await b.stop().catch(() => {});
  }
  return cases.map((c) => {
    const warm = c.runs.filter((m) => m.warmUp); // kept only when incomplete, to show why the case stopped
    c.runs = c.runs.filter((m) => !m.warmUp);
    const row = {
      broker: c.broker.name, brokerKey: c.broker.key, headline: c.broker.headline, brokerConf: c.broker.conf,
      qos: c.qos, client: c.client, label: LABELS[c.client] ?? c.client, n: c.n,
      msgPerSec: summary(c.runs.map((m) => (m.complete ? m.msgPerSec : NaN))),
      incomplete: [...warm.map((m) => `warm-up ${m.received}/${Math.floor(c.n / 4)}`), ...c.runs.filter((m) => !m.complete).map((m) => `${m.received}/${c.n}`)],
      ...(c.incompleteRuns >= 2 ? { skipped: `stopped after ${c.incompleteRuns} incomplete runs` } : {}),
      maxFrameBytes: Math.max(0, ...c.runs.map((m) => m.maxFrame)),
      framesPerRun: c.runs.map((m) => m.frames),
      loopMs: c.runs.map((m) => Math.round(m.loopMs)),
      // Each run as measured, in run order: msg/s (also for an incomplete run), WebSocket messages sent, ms spent
      // in the publish loop, what the client reported (protocol version; raw clients: window and most in flight).
      perRun: c.runs.map(perRun),
      ...(c.errors.length ? { error: c.errors.join(' | ') } : {}),
    };
    const p = profiles.filter((x) => x.brokerKey === c.broker.key && x.qos === c.qos && x.client === c.client);
    if (p.length) row.profiles = p;
    log(`  throughput ${row.broker} QoS ${row.qos} ${row.client}: ${Math.round(row.msgPerSec.median)} msg/s [${c.runs.map((m) => Math.round(m.msgPerSec)).join(', ')}]${row.error ? ` ERROR ${row.error}` : ''}`);
    return row;
  });
}

/** One run as stored: msg/s (also for an incomplete run), WebSocket messages sent, ms in the publish loop, the time
 * of the last WebSocket send / first / half received (ms after the first publish), what the client reported. */
const perRun = (m) => ({
  msgPerSec: Math.round(m.msgPerSec), complete: m.complete, ms: Math.round(m.ms), frames: m.frames, inFrames: m.inFrames, inBytes: m.inBytes, loopMs: Math.round(m.loopMs), maxFrame: m.maxFrame,
  lastSendMs: m.lastSendMs, firstRecvMs: m.firstRecvMs, halfRecvMs: m.halfRecvMs, ...(m.info ? { info: m.info } : {}),
});

/**
 * The QoS 0 slow mode: several runs of one case under the sampling profiler (CDP Profiler domain only, attached
 * for the job); of those, the slowest and the fastest are kept with a summary of self time. Also one profiled
 * QoS 1 run of webmqtt and of the window-honouring batched raw client on the headline Mosquitto. BENCH_PROFILE=0: none.
 */
async function profileRuns({ brokers, workers, job, sizes, quick, log }) {
  if (process.env.BENCH_PROFILE === '0') return [];
  const mosquitto = brokers.find((b) => b.key === 'mosquitto') ?? brokers[0];
  const plans = [
    { broker: mosquitto, qos: 0, client: 'webmqtt', runs: Number(process.env.BENCH_PROFILE_RUNS ?? (quick ? 3 : 8)), pick: 'slow-fast' },
    { broker: mosquitto, qos: 1, client: 'webmqtt', runs: quick ? 1 : 2, pick: 'median' },
    { broker: mosquitto, qos: 1, client: 'raw-window-batch', runs: quick ? 1 : 2, pick: 'median' },
  ].filter((p) => p.broker && workers[p.client] && sizes[p.qos]);
  const out = [];
  for (const p of plans) {
    const got = [];
    for (let i = 0; i < p.runs; i++) {
      try {
        const { result, profile } = await workers[p.client].profile(job(p.broker, p.qos, sizes[p.qos]), 90_000);
        got.push({ ...perRun(result), summary: profileSummary(profile) });
      } catch (e) {
        log(`  profile ${p.client} QoS ${p.qos}: ${e.message}`);
      }
    }
    if (!got.length) continue;
    const sorted = [...got].sort((a, b) => a.msgPerSec - b.msgPerSec);
    const keep = p.pick === 'slow-fast' ? (sorted.length > 1 ? [['slowest', sorted[0]], ['fastest', sorted.at(-1)]] : [['only', sorted[0]]]) : [['median', sorted[(sorted.length - 1) >> 1]]];
    const entry = {
      brokerKey: p.broker.key, broker: p.broker.name, qos: p.qos, client: p.client, n: sizes[p.qos],
      profiledRuns: got.map(({ summary: _, ...g }) => g),
      medianMsgPerSec: Math.round(median(got.map((g) => g.msgPerSec))),
      kept: keep.map(([which, g]) => ({ which, ...g })),
    };
    out.push(entry);
    log(`  profile ${p.broker.name} QoS ${p.qos} ${p.client}: runs [${got.map((g) => g.msgPerSec).join(', ')}] msg/s; kept ${keep.map(([w, g]) => `${w} ${g.msgPerSec} (${g.summary.top.slice(0, 3).map((t) => `${t.name} ${t.pct} %`).join(', ')})`).join(' | ')}`);
  }
  return out;
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
