// Case: a React list fed 2,000 msg/s for 10 s. Two lists of the last KEEP messages, built by Vite (production React
// 19) against the working tree's packages/react and packages/client dist, one per page load, runs interleaved:
//   hooks  useSubscription(filter, { keep }) from @webmqtt/react (buffered, one render per animation frame);
//   naive  the usual hand-written hook: useState for the last message, set in the subscribe() handler, and a
//          useEffect on that message appending it to a useState list (one state update per message).
// A Node MQTT.js client publishes QoS 0 messages `<seq> <sentAt>` at a steady rate (paced every 5 ms). The page
// counts, per list: commits (a useEffect with no dependencies) and renders (calls of the component), animation
// frames that ran, long tasks, messages the client delivered, and every sequence number that was ever in a
// committed list with its age at that commit (Date.now() on one machine). Dropped = published - ever shown: with
// the hooks, a frame adds at most KEEP messages and a backlog is shown over the next frames, so a message is dropped
// only when more than 4 × KEEP arrive between two frames (a stall). "maxPerFrame" (the most messages the client
// delivered between two animation frames) and "maxFrameGapMs" (the longest time between two) show the stalls;
// "droppedGaps" and "longestGap" are the runs of consecutive messages never shown (how many, the longest).
// BENCH_REACT_RATE (2000), BENCH_REACT_SECONDS (10; quick 3), BENCH_REACT_RUNS (3 per variant; quick 1) and
// BENCH_REACT_KEEP (200) change the load.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { CHROMIUM, CHROMIUM_ARGS } from '../lib/browser.mjs';
import { serveStatic } from '../lib/http.mjs';
import { scratchDir } from '../lib/scratch.mjs';
import { percentile, summary, withTimeout, sleep } from '../lib/stats.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEEP = Number(process.env.BENCH_REACT_KEEP ?? 200);
const FILTER = 'bench/react/+';

export const VARIANTS = {
  hooks: `@webmqtt/react useSubscription(filter, { keep: ${KEEP} })`,
  naive: `naive hook: useState(last message) set per message + useEffect appending to a useState list of ${KEEP}`,
};

const PAGE = `
import { memo, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '@webmqtt/client';
import { MqttProvider, useMqttClient, useSubscription } from '@webmqtt/react';

const params = new URLSearchParams(location.search);
const KEEP = ${KEEP};
const FILTER = ${JSON.stringify(FILTER)};
const stats = { commits: 0, renders: 0, frames: 0, longTasks: 0, longTaskMs: 0, received: 0, shown: 0, ages: [], subscribed: false, maxPerFrame: 0, maxFrameGapMs: 0 };
let sinceFrame = 0;
let lastFrameAt;
const seen = new Set();
let measuring = false;
window.bench = { stats, start: () => { measuring = true; }, stop: () => { measuring = false; }, gaps };

/** The runs of sequence numbers below total never in a committed list: how many, and the longest. */
function gaps(total) {
  let count = 0;
  let longest = 0;
  let run = 0;
  for (let seq = 0; seq <= total; seq++) {
    if (seq < total && !seen.has(String(seq))) run++;
    else if (run > 0) { count++; longest = Math.max(longest, run); run = 0; }
  }
  return { count, longest };
}

new PerformanceObserver((list) => {
  if (!measuring) return;
  for (const e of list.getEntries()) { stats.longTasks++; stats.longTaskMs += e.duration; }
}).observe({ type: 'longtask', buffered: false });
const tick = (at) => {
  if (measuring) {
    stats.frames++;
    stats.maxPerFrame = Math.max(stats.maxPerFrame, sinceFrame);
    if (lastFrameAt !== undefined) stats.maxFrameGapMs = Math.max(stats.maxFrameGapMs, at - lastFrameAt);
  }
  sinceFrame = 0;
  lastFrameAt = at;
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);

/** Called on every commit of a list: every message in it is shown now. */
function committed(messages) {
  if (!measuring) return;
  stats.commits++;
  const now = Date.now();
  for (const m of messages) {
    const [seq, sentAt] = m.text().split(' ');
    if (seen.has(seq)) continue;
    seen.add(seq);
    stats.shown++;
    stats.ages.push(now - Number(sentAt));
  }
}

// Memoised, as a list of this size would be written: a commit renders the rows that are new, not all KEEP.
const Row = memo(function Row({ message }) {
  return <li>{message.text()}</li>;
});

// A live list as pages show one: a box of fixed size, so a commit lays out and paints that box only.
const BOX = { height: '400px', overflow: 'hidden', contain: 'strict', font: '12px monospace' };

function HooksList() {
  const { messages, subscribed } = useSubscription(FILTER, { keep: KEEP });
  if (measuring) stats.renders++;
  useEffect(() => { stats.subscribed = subscribed; }, [subscribed]);
  useEffect(() => committed(messages));
  return <ul style={BOX}>{messages.map((m) => <Row key={m.text()} message={m} />)}</ul>;
}

// Written the way hand-made MQTT hooks usually are.
function useLastMessage(filter) {
  const client = useMqttClient();
  const [message, setMessage] = useState();
  useEffect(() => {
    let subscription;
    let live = true;
    client.subscribe(filter, (m) => setMessage(m)).then((s) => {
      subscription = s;
      if (live) stats.subscribed = true;
      else s.unsubscribe();
    });
    return () => { live = false; subscription?.unsubscribe(); };
  }, [client, filter]);
  return message;
}

function NaiveList() {
  const message = useLastMessage(FILTER);
  const [messages, setMessages] = useState([]);
  useEffect(() => {
    if (message) setMessages((list) => [...list, message].slice(-KEEP));
  }, [message]);
  if (measuring) stats.renders++;
  useEffect(() => committed(messages));
  return <ul style={BOX}>{messages.map((m) => <Row key={m.text()} message={m} />)}</ul>;
}

const client = createClient({ url: params.get('broker'), protocolVersion: 4, reconnect: false });
client.on('message', () => { if (measuring) { stats.received++; sinceFrame++; } });
const List = params.get('variant') === 'naive' ? NaiveList : HooksList;
createRoot(document.getElementById('root')).render(<MqttProvider client={client}><List /></MqttProvider>);
client.connect().catch((e) => { window.bench.error = String(e); });
`;

/** The bench page built by Vite (production) in a scratch directory that resolves packages from the monorepo. */
async function buildPage(log) {
  const started = Date.now();
  const dir = join(scratchDir('webmqtt-bench-react-'), 'app');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-react-list', private: true, type: 'module' }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>react list bench</title></head><body><div id="root"></div><script type="module" src="/src/main.jsx"></script></body></html>');
  writeFileSync(join(dir, 'src/main.jsx'), PAGE);
  // @webmqtt/react and @webmqtt/client are the workspace's own (node_modules/@webmqtt links to packages/*, dist/).
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const { build } = await import('vite');
  await build({ root: dir, configFile: false, logLevel: 'error', mode: 'production', build: { outDir: join(dir, 'dist'), emptyOutDir: true } });
  log(`  react list page built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return join(dir, 'dist');
}

/** Publishes `rate` msg/s for `seconds` to topics under FILTER; resolves with how many went out. */
async function publishSteadily(url, rate, seconds) {
  const publisher = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, clientId: `bench-react-publisher-${process.pid}` });
  const total = rate * seconds;
  let sent = 0;
  const started = Date.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - started) * rate) / 1000));
      for (; sent < due; sent++) publisher.publish(`bench/react/${sent % 8}`, `${sent} ${Date.now()}`, { qos: 0 });
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const elapsedMs = Date.now() - started;
  await publisher.endAsync();
  return { sent, elapsedMs };
}

async function runOnce(browser, site, brokerUrl, variant, rate, seconds) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${site.url}/?${new URLSearchParams({ broker: brokerUrl, variant })}`);
    await page.waitForFunction(() => window.bench?.stats.subscribed || window.bench?.error, null, { timeout: 30_000 });
    const error = await page.evaluate(() => window.bench.error);
    if (error) throw new Error(`page: ${error}`);
    await page.evaluate(() => window.bench.start());
    const published = await publishSteadily(brokerUrl, rate, seconds);
    // Let the last messages arrive and the last frames render.
    await sleep(1_000);
    const { stats, gaps } = await page.evaluate((total) => {
      window.bench.stop();
      return { stats: window.bench.stats, gaps: window.bench.gaps(total) };
    }, published.sent);
    const s = published.elapsedMs / 1000;
    return {
      variant,
      published: published.sent,
      publishSeconds: +s.toFixed(2),
      received: stats.received,
      shown: stats.shown,
      dropped: published.sent - stats.shown,
      commits: stats.commits,
      commitsPerSec: stats.commits / s,
      renders: stats.renders,
      rendersPerSec: stats.renders / s,
      framesPerSec: stats.frames / s,
      longTasks: stats.longTasks,
      longTaskMs: Math.round(stats.longTaskMs),
      ageP50: percentile(stats.ages, 50),
      ageP99: percentile(stats.ages, 99),
      droppedGaps: gaps.count,
      longestGap: gaps.longest,
      maxPerFrame: stats.maxPerFrame,
      maxFrameGapMs: Math.round(stats.maxFrameGapMs),
      problems,
    };
  } finally {
    await withTimeout(context.close(), 15_000, 'browser context close').catch(() => {});
  }
}

export async function reactList(ctx) {
  const { brokers, quick, log } = ctx;
  const rate = Number(process.env.BENCH_REACT_RATE ?? 2_000);
  const seconds = Number(process.env.BENCH_REACT_SECONDS ?? (quick ? 3 : 10));
  const runs = Number(process.env.BENCH_REACT_RUNS ?? (quick ? 1 : 3));
  const broker = brokers[0];
  const dist = await buildPage(log);
  const site = await serveStatic(dist);
  const { chromium } = await import('playwright-core');
  const browser = await withTimeout(chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }), 60_000, 'chromium launch');
  const results = { hooks: [], naive: [] };
  const errors = [];
  try {
    for (let round = 0; round < runs; round++) {
      // Alternating order: background load lands on both alike.
      for (const variant of round % 2 ? ['naive', 'hooks'] : ['hooks', 'naive']) {
        try {
          const r = await withTimeout(runOnce(browser, site, broker.url, variant, rate, seconds), (seconds + 60) * 1000, `react ${variant}`);
          results[variant].push(r);
          log(`  react ${variant} run ${round + 1}/${runs}: ${r.commitsPerSec.toFixed(1)} commits/s, ${r.rendersPerSec.toFixed(1)} renders/s, ${r.framesPerSec.toFixed(1)} frames/s, dropped ${r.dropped}/${r.published} (received ${r.received}; ${r.droppedGaps} gaps, longest ${r.longestGap}), most per frame ${r.maxPerFrame}, longest frame gap ${r.maxFrameGapMs} ms, age p50 ${r.ageP50} ms p99 ${r.ageP99} ms, long tasks ${r.longTaskMs} ms`);
        } catch (error) {
          errors.push(`${variant}: ${String(error?.message ?? error).split('\n')[0].slice(0, 300)}`);
          log(`  react ${variant} run ${round + 1} failed: ${errors.at(-1)}`);
        }
      }
    }
  } finally {
    await withTimeout(browser.close(), 15_000, 'chromium close').catch(() => {});
    await site.close();
  }
  return {
    broker: broker.name,
    rate,
    seconds,
    keep: KEEP,
    runsPlanned: runs,
    page: 'Vite 8 production build, React 19 (react-dom/client createRoot, no StrictMode), packages/react and packages/client dist of the working tree; one fresh browser context per run; QoS 0 from a Node MQTT.js publisher paced every 5 ms',
    variants: Object.entries(VARIANTS).map(([key, label]) => {
      const ok = results[key];
      return {
        key,
        label,
        commitsPerSec: summary(ok.map((r) => r.commitsPerSec)),
        rendersPerSec: summary(ok.map((r) => r.rendersPerSec)),
        framesPerSec: summary(ok.map((r) => r.framesPerSec)),
        dropped: summary(ok.map((r) => r.dropped)),
        published: summary(ok.map((r) => r.published)),
        received: summary(ok.map((r) => r.received)),
        ageP50Ms: summary(ok.map((r) => r.ageP50)),
        ageP99Ms: summary(ok.map((r) => r.ageP99)),
        longTaskMs: summary(ok.map((r) => r.longTaskMs)),
        runs: ok,
      };
    }),
    errors,
  };
}
