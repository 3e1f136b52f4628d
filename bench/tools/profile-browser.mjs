// Where does a browser publish burst spend its time? CPU profile of one throughput job in headless
// Chromium (through a CDP session: absolute numbers are lower than in the bench, shares hold):
//   node bench/tools/profile-browser.mjs <client> [qos] [n] [mosquitto|aedes]
// e.g. `webmqtt`, `webmqtt@before`, `mqtt`. Prints self time by function and by bundle, writes the
// .cpuprofile to /tmp for chrome://inspect.
import { writeFileSync } from 'node:fs';
import { startSite } from '../lib/http.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { CHROMIUM, CHROMIUM_ARGS, profileSummary } from '../lib/browser.mjs';

const [client = 'webmqtt', qosArg = '0', nArg = '20000', brokerName = 'mosquitto'] = process.argv.slice(2);
const site = await startSite();
const broker = brokerName === 'aedes' ? await startDevBroker({ maxPacketSize: 8 * 1024 * 1024 }) : await startMosquitto();
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  const id = 'profile';
  const results = [];
  let wake;
  site.listen(id, (msg) => { results.push(msg); wake?.(); });
  await page.goto(`${site.url}/bench/harness.html?${new URLSearchParams({ mode: 'worker', client, id, report: `${site.url}/result/${id}`, jobs: `${site.url}/job/${id}` })}`);
  const job = async (n) => {
    const got = new Promise((r) => (wake = r));
    site.giveJob(id, { mode: 'throughput', url: broker.url, qos: Number(qosArg), n, timeout: 30_000 });
    await got;
    return results.at(-1);
  };
  await job(Math.floor(Number(nArg) / 4)); // warm-up
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const r = await job(Number(nArg));
  if (r.error) console.log(`page error: ${r.error}`);
  const { profile } = await cdp.send('Profiler.stop');
  const file = `/tmp/profile-${client}-q${qosArg}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));
  console.log(`${client} QoS ${qosArg} n=${nArg}: ${Math.round(r.msgPerSec)} msg/s, ${r.frames} WS messages, max ${r.maxFrame} B (under the profiler)`);
  const summary = profileSummary(profile, Number(process.env.TOP ?? 35));
  const rows = (list) => list.map(({ name, ms, pct }) => `${ms.toFixed(0).padStart(6)} ms ${pct.toFixed(1).padStart(5)} %  ${name}`).join('\n');
  console.log(`total sampled ${summary.sampledMs.toFixed(0)} ms\n-- by file --\n${rows(summary.byFile)}\n-- by function (self) --\n${rows(summary.top)}`);
} finally {
  await browser.close();
  await broker.stop();
  await site.close();
}
process.exit(0);
