// CPU cost per message, robust to a busy machine (wall-clock msg/s is not): every client in its own
// headless Chromium (no DevTools), runs interleaved; CPU time of the whole Chromium process group
// (renderer, network service, browser) read from /proc around each job.
//   BENCH_CLIENTS=webmqtt@before,webmqtt,mqtt node bench/tools/cpu-cost.mjs [qos] [n] [runs] [mosquitto|aedes]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSite } from '../lib/http.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../lib/browser.mjs';
import { median } from '../lib/stats.mjs';

const [qosArg = '0', nArg = '20000', runsArg = '5', brokerName = 'mosquitto'] = process.argv.slice(2);
const clients = (process.env.BENCH_CLIENTS ?? 'webmqtt,mqtt').split(',');
const TICK = 100; // USER_HZ
const site = await startSite();
const broker = brokerName === 'aedes' ? await startDevBroker({ maxPacketSize: 8 * 1024 * 1024 }) : await startMosquitto();

/** CPU ms of the process group: all of it, and the renderer (the page's main thread and its helpers) alone. */
function groupCpuMs(pgid) {
  let ticks = 0;
  let renderer = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) continue; // field 5: pgrp
      const t = Number(f[11]) + Number(f[12]); // utime + stime
      ticks += t;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) renderer += t;
    } catch { /* gone */ }
  }
  return { all: (ticks * 1000) / TICK, renderer: (renderer * 1000) / TICK };
}

async function open(client) {
  const id = `cpu-${client}`;
  const profile = mkdtempSync(join(tmpdir(), 'webmqtt-cpu-'));
  let wake;
  site.listen(id, (msg) => wake?.(msg));
  const url = `${site.url}/bench/harness.html?${new URLSearchParams({ mode: 'worker', client, id, report: `${site.url}/result/${id}`, jobs: `${site.url}/job/${id}` })}`;
  const child = spawn(CHROMIUM, ['--headless=new', ...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', url], { stdio: 'ignore', detached: true });
  return {
    async run(n) {
      const got = new Promise((r) => (wake = r));
      const cpu0 = groupCpuMs(child.pid);
      site.giveJob(id, { mode: 'throughput', url: broker.url, qos: Number(qosArg), n, timeout: 30_000 });
      const r = await got;
      if (r.error) throw new Error(r.error);
      const cpu1 = groupCpuMs(child.pid);
      return { ...r, cpuMs: cpu1.all - cpu0.all, rendererMs: cpu1.renderer - cpu0.renderer };
    },
    close() {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const pages = Object.fromEntries(await Promise.all(clients.map(async (c) => [c, await open(c)])));
const out = Object.fromEntries(clients.map((c) => [c, []]));
try {
  for (let round = -1; round < Number(runsArg); round++) {
    const order = [...clients.slice((round + 1) % clients.length), ...clients.slice(0, (round + 1) % clients.length)];
    for (const c of order) {
      const r = await pages[c].run(round < 0 ? Math.floor(Number(nArg) / 4) : Number(nArg));
      if (round >= 0) out[c].push(r);
    }
  }
} finally {
  for (const p of Object.values(pages)) p.close();
  await broker.stop();
  await site.close();
}
for (const c of clients) {
  const runs = out[c];
  const perK = runs.map((r) => (r.cpuMs / r.received) * 1000);
  const rendererPerK = runs.map((r) => (r.rendererMs / r.received) * 1000);
  console.log(`${brokerName} QoS ${qosArg} ${c.padEnd(18)} CPU ${median(perK).toFixed(0).padStart(4)} ms / 1000 msgs [${perK.map((v) => v.toFixed(0)).join(', ')}], renderer ${median(rendererPerK).toFixed(0)}  msg/s median ${Math.round(median(runs.map((r) => r.msgPerSec)))} [${runs.map((r) => Math.round(r.msgPerSec)).join(', ')}]  max WS msg ${Math.max(...runs.map((r) => r.maxFrame))} B${runs.some((r) => !r.complete) ? ' INCOMPLETE' : ''}`);
}
process.exit(0);
