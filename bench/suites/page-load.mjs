// Case 7: page load to `connected` on a slow network. The minimal app (bench/apps/webmqtt-minimal.js, the same
// connect/subscribe/publish as bench/size/minimal-app.mjs) built by Vite from the packed tarball
// (bench/lib/packed-app.mjs), and the same app on MQTT.js alone, each served precompressed on 127.0.0.1, loaded
// in Chromium (playwright-core) with DevTools' "Slow 3G" network emulation and the cache disabled, in a fresh
// browser context per run. Per run: navigation start → the client's `connected` state event (performance.now()
// in the page), the JS requests and the bytes they transferred (DevTools protocol), and whether a JS request
// started only after connect() was called (the load waterfall: the SDK fetches MQTT.js on first connect).
// BENCH_BASELINE_REF=<ref> adds the same app built from that ref (bench/lib/git-ref.mjs), runs interleaved.
import { CHROMIUM, CHROMIUM_ARGS } from '../lib/browser.mjs';
import { currentTree, treesToMeasure } from '../lib/git-ref.mjs';
import { serveStatic } from '../lib/http.mjs';
import { APPS, viteApp } from '../lib/packed-app.mjs';
import { summary, withTimeout } from '../lib/stats.mjs';

// DevTools' "Slow 3G" preset (devtools-frontend, front_end/core/sdk/NetworkManager.ts, Slow3GConditions; shown as
// "3G" since the 2024 rename): ~500 kbit/s × 0.8 each way, 400 ms RTT × 5. Throughputs are in bytes/s.
export const SLOW_3G = { name: 'DevTools "Slow 3G"', latency: 400 * 5, downloadThroughput: (500 * 1000 / 8) * 0.8, uploadThroughput: (500 * 1000 / 8) * 0.8 };

const RUN_TIMEOUT_MS = 90_000;
const isJs = (url, mime = '') => /\.m?js(\?|$)/.test(new URL(url).pathname) || /javascript/.test(mime);

/** One page load of `site`; resolves with what the page and the DevTools protocol saw. */
async function loadOnce(browser, site, brokerUrl) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    const cdp = await context.newCDPSession(page);
    const requests = new Map();
    cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0 }));
    cdp.on('Network.responseReceived', (e) => {
      const r = requests.get(e.requestId);
      if (!r) return;
      r.mime = e.response.mimeType;
      r.status = e.response.status;
      r.encoding = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === 'content-encoding')?.[1] ?? 'identity';
    });
    cdp.on('Network.loadingFinished', (e) => { const r = requests.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: SLOW_3G.latency, downloadThroughput: SLOW_3G.downloadThroughput, uploadThroughput: SLOW_3G.uploadThroughput });
    await page.goto(`${site.url}/?${new URLSearchParams({ broker: brokerUrl })}`, { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    const marks = await (await page.waitForFunction(() => {
      const b = window.bench;
      return b && (b.doneAt >= 0 || b.error) ? b : false;
    }, null, { timeout: RUN_TIMEOUT_MS, polling: 50 })).jsonValue();
    // Start times in the page's clock (ms since navigation start), to set against connect().
    const timings = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => ({ url: r.name, startTime: r.startTime })));
    const http = [...requests.values()].filter((r) => /^https?:/.test(r.url));
    const js = http.filter((r) => isJs(r.url, r.mime));
    const late = timings.filter((t) => isJs(t.url) && t.startTime >= marks.connectCalledAt);
    return {
      ...marks,
      jsRequests: js.length,
      jsBytes: js.reduce((s, r) => s + r.bytes, 0),
      allRequests: http.length,
      allBytes: http.reduce((s, r) => s + r.bytes, 0),
      encodings: [...new Set(js.map((r) => r.encoding))],
      lateJs: late.map((t) => ({ file: new URL(t.url).pathname, startTime: Math.round(t.startTime), bytes: js.find((r) => r.url === t.url)?.bytes ?? 0 })),
      problems,
    };
  } finally {
    await withTimeout(context.close(), 15_000, 'browser context close').catch(() => {});
  }
}

export async function pageLoad(ctx) {
  const { brokers, quick, log } = ctx;
  const runs = quick ? 2 : Number(process.env.BENCH_RUNS ?? 5);
  // Stop starting rounds after this long; the table says how many ran.
  const budgetMs = Number(process.env.BENCH_PAGELOAD_BUDGET_S ?? (quick ? 120 : 420)) * 1000;
  const broker = brokers[0];
  const cases = [];
  for (const tree of await treesToMeasure(log)) cases.push({ key: tree === currentTree ? 'webmqtt' : 'webmqtt@baseline', tree, app: 'webmqtt' });
  cases.push({ key: 'mqtt', tree: currentTree, app: 'mqtt' });
  for (const c of cases) {
    c.build = await viteApp(c.app, c.tree, log);
    c.site = await serveStatic(c.build.dist);
    c.runs = [];
    c.errors = [];
  }
  const { chromium } = await import('playwright-core');
  const browser = await withTimeout(chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }), 60_000, 'chromium launch');
  const started = Date.now();
  let rounds = 0;
  try {
    for (let round = 0; round < runs && Date.now() - started < budgetMs; round++) {
      const offset = round % cases.length; // rotating order: background load lands on every app alike
      for (const c of [...cases.slice(offset), ...cases.slice(0, offset)]) {
        try {
          c.runs.push(await withTimeout(loadOnce(browser, c.site, broker.url), 2 * RUN_TIMEOUT_MS + 10_000, `pageload ${c.key}`));
        } catch (error) {
          c.errors.push(String(error?.message ?? error).split('\n')[0].slice(0, 300));
        }
      }
      rounds++;
      log(`  pageload round ${rounds}/${runs}: ${cases.map((c) => `${c.key} ${Math.round(c.runs.at(-1)?.connectedAt ?? NaN)} ms`).join(', ')}`);
    }
  } finally {
    await withTimeout(browser.close(), 15_000, 'chromium close').catch(() => {});
    await Promise.all(cases.map((c) => c.site.close()));
  }
  return {
    profile: SLOW_3G,
    broker: broker.name,
    runsPlanned: runs,
    rounds,
    served: 'Vite build output from 127.0.0.1 by sirv, precompressed (.br q11 / .gz -9, whichever Chromium accepts), cache-control no-store; DevTools cache disabled, fresh browser context per run; no CPU throttling',
    apps: cases.map((c) => {
      const ok = c.runs.filter((r) => !r.error);
      return {
        key: c.key,
        label: c.key === 'mqtt' ? APPS.mqtt.label : `${APPS.webmqtt.label}, ${c.tree.label}`,
        tree: c.tree.label,
        commit: c.tree.commit,
        installedWith: c.build.installedWith,
        builtJs: c.build.emitted,
        loadedJs: c.build.loaded,
        navToConnectedMs: summary(ok.map((r) => r.connectedAt)),
        connectCalledMs: summary(ok.map((r) => r.connectCalledAt)),
        connectToConnectedMs: summary(ok.map((r) => r.connectedAt - r.connectCalledAt)),
        navToPublishedMs: summary(ok.map((r) => r.doneAt)),
        jsRequests: summary(ok.map((r) => r.jsRequests)),
        jsBytes: summary(ok.map((r) => r.jsBytes)),
        allBytes: summary(ok.map((r) => r.allBytes)),
        encodings: [...new Set(ok.flatMap((r) => r.encodings))],
        waterfallRuns: ok.filter((r) => r.lateJs.length).length,
        lateJs: ok[0]?.lateJs ?? [],
        ok: ok.length,
        errors: [...c.errors, ...c.runs.filter((r) => r.error).map((r) => r.error), ...new Set(c.runs.flatMap((r) => r.problems))].slice(0, 5),
      };
    }),
  };
}
