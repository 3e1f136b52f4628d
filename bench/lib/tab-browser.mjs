// Headless Chromium holding several tabs of one profile, as a user's browser holds them: tabs of one origin share
// Web Locks and BroadcastChannel, the tab in front is `visible` and the others `hidden` (throttled as a real browser
// throttles background tabs). Tabs are opened, brought to the front and closed through the DevTools HTTP endpoints
// (/json/new, /json/activate, /json/close): no DevTools client is attached to any page, so nothing slows their
// WebSockets (bench/run.mjs's driver check: a Playwright session costs ~3× on QoS 0 throughput).
//
// Every tab POSTs its reports to the bench site; each report is kept with `at`, the Node time (Date.now()) of its
// arrival, so times are taken on one clock: Node's.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.mjs';
import { onExit, scratchDir } from './scratch.mjs';
import { withTimeout } from './stats.mjs';

let seq = 0;

/** Starts Chromium on a fresh profile; resolves with `{ open(site, page, params), waitFor(...), reports, quit() }`. */
export async function openTabBrowser() {
  const profile = scratchDir('webmqtt-bench-tabs-chromium-');
  const child = spawn(CHROMIUM, ['--headless=new', ...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // own process group: quit() ends Chromium's helpers with it, and nothing else
  });
  const kill = (signal) => {
    try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  };
  onExit(() => kill('SIGKILL'));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let stderr = '';
  const port = await withTimeout(new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      if (stderr.length < 20_000) stderr += d;
      const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    exited.then((code) => reject(new Error(`chromium exited (${code}) before it listened: ${stderr.slice(-500)}`)));
  }), 20_000, 'chromium start');

  const devtools = async (path, method = 'GET') => {
    const res = await withTimeout(fetch(`http://127.0.0.1:${port}${path}`, { method }), 10_000, `DevTools ${path}`);
    if (!res.ok) throw new Error(`DevTools ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };

  /** Every report of every tab, in arrival order: `{ tab, at, ...report }`. */
  const reports = [];
  const waiters = new Set();
  const unlisteners = [];
  const record = (tab, message) => {
    const report = { tab, at: Date.now(), ...message };
    reports.push(report);
    // POSTs may overtake each other: the role is the one of the tab's latest report that says one.
    if (message.kind === 'role' && !(message.seq < tab.roleSeq)) {
      tab.role = message.role;
      tab.roleSeq = message.seq;
    }
    for (const w of [...waiters]) w(report);
  };

  /**
   * The first report from index `since` on (already in, or still to come) for which `match(report)` holds; rejects
   * after `timeoutMs`, or at once on a page error of a tab `match` would accept a report from (`from`, default all).
   */
  function waitFor(match, timeoutMs, what, { since = 0, from } = {}) {
    const found = reports.slice(since).find(match);
    if (found) return Promise.resolve(found);
    let waiter;
    const promise = new Promise((resolve, reject) => {
      waiter = (report) => {
        if (report.kind === 'error' && (!from || from.includes(report.tab))) reject(new Error(`page error: ${report.error}`));
        else if (match(report)) resolve(report);
      };
      waiters.add(waiter);
    });
    return withTimeout(promise, timeoutMs, what).finally(() => waiters.delete(waiter));
  }

  return {
    reports,
    waitFor,
    /**
     * Opens `page` (under /bench/) with `params` in a new tab, which comes to the front. The tab's `role` follows its
     * `role` reports; `jobs: true` in params gives it a job queue (`run`).
     */
    async open(site, page, params) {
      const id = `tab${process.pid}-${++seq}`;
      const query = new URLSearchParams({ ...params, id, report: `${site.url}/result/${encodeURIComponent(id)}` });
      if (params.jobs) query.set('jobs', `${site.url}/job/${encodeURIComponent(id)}`);
      const tab = { id, role: undefined, roleSeq: 0, target: undefined };
      unlisteners.push(site.listen(id, (message) => record(tab, message)));
      const target = await (await devtools(`/json/new?${encodeURIComponent(`${site.url}/bench/${page}?${query}`)}`, 'PUT')).json();
      tab.target = target.id;
      tab.front = () => devtools(`/json/activate/${target.id}`);
      tab.close = () => devtools(`/json/close/${target.id}`);
      /** Gives the tab `job`; resolves with its `job` report. */
      tab.run = (job, timeoutMs) => {
        const since = reports.length;
        site.giveJob(id, job);
        return waitFor((r) => r.tab === tab && r.kind === 'job', timeoutMs, `${id} job ${JSON.stringify(job)}`, { since, from: [tab] }).then((r) => {
          if (r.error) throw new Error(`page error: ${r.error}`);
          return r;
        });
      };
      return tab;
    },
    async quit() {
      for (const unlisten of unlisteners) unlisten();
      kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
