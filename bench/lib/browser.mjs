// Opens a bench page in headless Chromium and waits for the page to POST its results back.
//
// Default driver 'process': Chromium started by child_process with the URL on its command line,
// no DevTools connection at all (Playwright's CDP session reports WebSocket frames and can slow
// throughput; bench/run.mjs measures that difference in its "driver check").
// Driver 'playwright': playwright-core launch + a plain page.goto, no listeners attached.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTimeout } from './stats.mjs';

export const CHROMIUM = process.env.WEBMQTT_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let seq = 0;

/**
 * Runs `page` (path under /bench/) with `params`; resolves with every object the page POSTed,
 * once it POSTs `{ done: true }`. Bounded by `timeoutMs`.
 */
export async function runPage(site, page, params, { timeoutMs = 120_000, driver = 'process' } = {}) {
  const id = `p${process.pid}-${++seq}`;
  const query = new URLSearchParams({ ...params, id, report: `${site.url}/result/${encodeURIComponent(id)}` });
  const url = `${site.url}/bench/${page}?${query}`;
  const messages = [];
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const unlisten = site.listen(id, (msg) => {
    messages.push(msg);
    if (msg.done) finish();
  });
  const browser = driver === 'playwright' ? await openWithPlaywright(url) : openWithProcess(url);
  try {
    await withTimeout(Promise.race([done, browser.exited.then((code) => { throw new Error(`chromium exited (${code}) before the page finished`); })]), timeoutMs, `${page} ${JSON.stringify(params)}`);
  } finally {
    unlisten();
    await browser.close();
  }
  const failed = messages.find((m) => m.error);
  if (failed) throw new Error(`page error: ${failed.error}`);
  return messages.filter((m) => !m.done);
}

function openWithProcess(url) {
  const profile = mkdtempSync(join(tmpdir(), 'webmqtt-bench-chromium-'));
  const child = spawn(CHROMIUM, ['--headless=new', ...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', url], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // own process group: close() ends Chromium's helpers with it, and nothing else
  });
  let stderr = '';
  let devtools;
  const devtoolsUrl = new Promise((resolve) => (devtools = resolve));
  child.stderr.on('data', (d) => {
    if (stderr.length < 20_000) stderr += d;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
    if (m) devtools(m[1]);
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    devtoolsUrl,
    exited: exited.then((code) => { if (process.env.BENCH_DEBUG) console.error(stderr); return code; }),
    async close() {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function openWithPlaywright(url) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  let resolveExit;
  const exited = new Promise((resolve) => (resolveExit = resolve));
  browser.on('disconnected', () => resolveExit('disconnected'));
  await page.goto(url);
  return { exited, close: () => browser.close() };
}

/** Chromium's version string, e.g. "Chromium 156.0.8078.108". */
export async function chromiumVersion() {
  return new Promise((resolve) => {
    const child = spawn(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolve(out.trim().split('\n').pop() || 'unknown'));
    child.on('error', () => resolve('unavailable'));
  });
}

/**
 * A long-lived page that runs jobs one at a time (`run(job)` resolves with what the page POSTs for
 * it). Lets the bench interleave clients run by run, so background load hits them all alike.
 */
export async function openWorker(site, params, { driver = 'process' } = {}) {
  const id = `w${process.pid}-${++seq}`;
  const query = new URLSearchParams({ ...params, mode: 'worker', id, report: `${site.url}/result/${encodeURIComponent(id)}`, jobs: `${site.url}/job/${encodeURIComponent(id)}` });
  const url = `${site.url}/bench/harness.html?${query}`;
  let current;
  const unlisten = site.listen(id, (msg) => current?.(msg));
  const browser = driver === 'playwright' ? await openWithPlaywright(url) : openWithProcess(url);
  let dead;
  browser.exited.then((code) => { dead = new Error(`chromium exited (${code})`); current?.({ error: dead.message }); });
  return {
    async run(job, timeoutMs = 120_000) {
      if (dead) throw dead;
      const result = new Promise((resolve) => (current = resolve));
      site.giveJob(id, job);
      const msg = await withTimeout(result, timeoutMs, `job ${JSON.stringify(job)}`);
      current = undefined;
      if (msg.error) throw new Error(`page error: ${msg.error}`);
      return msg;
    },
    /**
     * `run(job)` under the V8 sampling profiler: a CDP session (Profiler domain only) is attached to the page for
     * this job and detached after it. Resolves with { result, profile } (profile: the raw .cpuprofile object).
     */
    async profile(job, timeoutMs = 120_000, intervalUs = 200) {
      if (!browser.devtoolsUrl) throw new Error('profiling needs the process driver');
      const cdp = await connectCdp(await withTimeout(browser.devtoolsUrl, 10_000, 'DevTools URL'));
      try {
        const { targetInfos } = await cdp.send('Target.getTargets');
        const page = targetInfos.find((t) => t.type === 'page' && t.url.includes(id));
        if (!page) throw new Error('bench page target not found');
        const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
        await cdp.send('Profiler.enable', {}, sessionId);
        await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs }, sessionId);
        await cdp.send('Profiler.start', {}, sessionId);
        const result = await this.run(job, timeoutMs);
        const { profile } = await cdp.send('Profiler.stop', {}, sessionId);
        await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
        return { result, profile };
      } finally {
        cdp.close();
      }
    },
    async close() {
      site.giveJob(id, { stop: true });
      unlisten();
      await browser.close();
    },
  };
}

/** A bare CDP connection to the browser endpoint `url`: send(method, params, sessionId) and close(). */
async function connectCdp(url) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
  await withTimeout(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 10_000, 'CDP connect');
  let seq = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    const p = msg.id !== undefined && pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  return {
    send(method, params = {}, sessionId) {
      const id = ++seq;
      const reply = new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return withTimeout(reply, 60_000, `CDP ${method}`);
    },
    close: () => ws.close(),
  };
}

/**
 * A short summary of a V8 .cpuprofile: self time by function and by script, plus the total sampled. Self time of a
 * sample is the time to the next sample (timeDeltas[i + 1]).
 */
export function profileSummary(profile, top = 12) {
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  const byFn = new Map();
  const byFile = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const t = (dt.get(node.id) ?? 0) / 1000;
    if (!t) continue;
    total += t;
    const cf = node.callFrame;
    const file = cf.url ? cf.url.split('/').pop().split('?')[0] : '(native)';
    const key = cf.url ? `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}` : cf.functionName || '(anonymous)';
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    byFile.set(file, (byFile.get(file) ?? 0) + t);
  }
  const list = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, ms]) => ({ name, ms: +ms.toFixed(1), pct: +((ms / total) * 100).toFixed(1) }));
  return { sampledMs: +total.toFixed(1), samples: profile.samples.length, byFile: list(byFile, 6), top: list(byFn, top) };
}
