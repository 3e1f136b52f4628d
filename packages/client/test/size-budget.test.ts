import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import { rollup, type Plugin } from 'rollup';
import { describe, expect, it } from 'vitest';
import { bundleApp, dist, EVERY_EXPORT, gz, MINIMAL_APP, requireBuilt, terse, upFrontChunks } from './support/bundle';

/**
 * Size budgets, in gzip bytes (level 9), of what users download. Numbers come from `npm run bench`
 * (see BENCHMARKS.md, "Size") and from this test's own log lines. The issue's targets are 5 KB for the SDK's own
 * code with every feature and 3 KB for a minimal app. Measured when last lowered (request/respond/messages in
 * lazy chunks, options as tables): 18,914 B with every feature, 17,980 B loaded up front by a minimal app.
 * Raised once since, on purpose, to 19,207 / 18,264 B: the per-topic router cache, the QoS 2 window for
 * MQTT 3.1.1, CONNACK Server References with redirect vetting, and connection.ts split into more modules.
 * Raised again, on purpose, to 20,450 / 19,500 B (measured 20,161 / 19,192 B): the transport guard for every
 * credential, the tls allow-list, secrets kept out of inspectors and serializers, null-prototype subscribe maps
 * (issue #19, ~730 B), the clock's scheduling methods, the visible-tab ping deadline. The issue #12 target for the
 * SDK's own code up front is 15 KB: not met (19,192 B).
 * Raised again, on purpose, to 22,800 / 21,150 B (measured 22,579 / 20,943 B): issue #13's failures that surface
 * (named close-code and not-MQTT failures, each attempt's reason on `error`), static username/password with their
 * conflict checks, event-name checks, the honest packet log; Node's TLS/HTTP words went to a lazy chunk (-412 B up
 * front, -494 B in the browser app).
 * Then issue #15's persisted outbox (a lazy chunk of 3,154 B gz, loaded only with offlineQueue.persist): every-chunk
 * budgets raised to 25,500 / 45,200 B (measured 25,251 / 44,751 B); up front 21,145 B (its 1-line link).
 * Then issue #14: the seam (the client talks to a Link: LocalLink in this tab) and the tab relay (shareAcrossTabs, a
 * lazy chunk of ~3.6 KB gz: shared-link, leader service, protocol, Web Locks wrapper) with its 1-line deferred link:
 * up front 21,145 -> 21,673 B (+528: the seam's forwarding and the deferred link), every chunk 25,251 -> 29,733 B;
 * the single-file builds carry the relay inline (+4.2 KB each).
 * Then issue #12 again (session 6): the token refresh and its JWT reader became a chunk fetched after the first CONNACK
 * (the provider code stays up front, so no CONNECT waits for a fetch), WebMqttClient's internals #private: up front
 * 21,703 -> 21,399 B. #15's outbox batching (64 records to an IndexedDB value, one transaction at a time, the tab merge,
 * its chunk layout as a module of its own, closing the database on close()) grew its chunk by ~900 B: every chunk
 * 29,777 -> 30,959 B, the single-file builds +1.2 KB each (50,148 -> 51,390 B for the UMD).
 * The budgets are the measurement + ~1 % and only stop growth. Lower them as the code shrinks.
 */
const BUDGETS = {
  /** Everything dist/index.mjs can load (the lazy chunks too; mqtt and eventemitter3 external), minified with terser. Target: 5 * 1024. */
  ownCode: 31_100,
  /** What an app using only createClient/connect/subscribe/publish loads up front (lazy chunks left out). Target: 3 * 1024. */
  minimalInitial: 21_600,
  /**
   * A minimal browser app with everything bundled, as a bundler builds it through the `browser` export condition:
   * dist/index.browser.mjs, the lean MQTT.js (dist/mqtt-lean.mjs) and eventemitter3, minified. Target: 40 KB.
   * Measured: 39,850 B when the lean build landed (with MQTT.js's prebuilt dist: 119,431 B), 40,505 B after the
   * security checks of issue #19, 42,147 B after issue #13's client changes, 44,751 B with #15's outbox chunk (which
   * only apps with offlineQueue.persist load: see minimalBrowserUpFront), 49,352 B with #14's tab relay chunk (which
   * only apps with shareAcrossTabs load), 50,570 B with #15's batched outbox. Budget: the measurement + 1 %.
   */
  minimalBrowserApp: 50_860,
  /**
   * The same app's code the page loads up front: chunks behind a dynamic import (request/respond, messages(), the
   * outbox) left out, as #15 counts what an app "ships" ("an app that never sets persist does not ship it").
   * Measured 41,750 B, then 42,364 B with #14's seam and deferred link, 42,066 B with the token refresh as a chunk: the
   * 40 KB target (40,960 B) is MISSED by 1,106 B. The budget is that measurement + 1 % so CI stops further growth; lower
   * it to 40_960 when met.
   */
  minimalBrowserUpFront: 42_480,
  /** dist/webmqtt.browser.mjs as shipped (the lean MQTT.js inside; 40,797 B when the lean build landed, 41,382 B with the checks of #19, 43,034 B after #13, 45,659 B with #15's outbox, 50,004 B with #14's tab relay, 51,292 B with #15's batched outbox). Target (as for the UMD): 45 KB (46,080 B), MISSED by 5,212 B; budget the measurement + 1 %. */
  browserEsm: 51_610,
  /** dist/webmqtt.umd.min.js as shipped (the lean MQTT.js inside; 40,891 B when the lean build landed, 41,488 B with the checks of #19, 43,144 B after #13, 45,782 B with #15's outbox, 50,115 B with #14's tab relay, 51,390 B with #15's batched outbox). Target: 45 KB (46,080 B), MISSED by 5,310 B; budget the measurement + 1 %. */
  umdMin: 51_720,
};

/** dist/index.mjs bundled from `app` (deps external) and minified: with `inline`, every chunk; without, the up-front ones. */
const bundled = async (app: string, inline: boolean): Promise<string> => (await bundleApp(app, { minify: true, inline })).initial;

/**
 * `app` bundled as a browser bundler does (browser entry, lean MQTT.js, eventemitter3 from node_modules), minified:
 * with `inline`, every chunk in one (what the app's build holds); without, the chunks the page loads up front (the
 * entry and its static imports), leaving out those loaded only through a dynamic import (request/respond,
 * messages(), the persisted outbox), which an app that never calls them never downloads.
 */
async function bundledForBrowser(app: string, inline = true): Promise<string> {
  const entry: Plugin = {
    name: 'app-entry',
    resolveId: (id, importer) => {
      if (id === 'app') return id;
      if (id === 'webmqtt') return `${dist}index.browser.mjs`;
      if (id === 'eventemitter3') return fileURLToPath(import.meta.resolve('eventemitter3'));
      if (id.startsWith('./') && importer?.startsWith(dist)) return `${dist}${id.slice(2)}`;
      return null;
    },
    load: (id) => (id === 'app' ? app : null),
  };
  const build = await rollup({ input: 'app', plugins: [entry, commonjs()], logLevel: 'silent' });
  const { output } = await build.generate({ format: 'es', inlineDynamicImports: inline });
  await build.close();
  const chunks = output.flatMap((o) => (o.type === 'chunk' ? [o] : []));
  for (const chunk of chunks) expect(chunk.moduleIds.filter((id) => id.includes('/node_modules/mqtt'))).toEqual([]);
  const upFront = upFrontChunks(chunks);
  const codes = await Promise.all(chunks.filter((c) => upFront.has(c.fileName)).map((c) => terse(c.code)));
  return codes.join('\n');
}

const built = requireBuilt('size budget', 'index.mjs', 'index.browser.mjs', 'mqtt-lean.mjs', 'webmqtt.browser.mjs', 'webmqtt.umd.min.js');

// Bundling and minifying take seconds each; on a loaded 2-core machine more than the default 20 s.
describe.skipIf(!built)('size budget (gzip)', { timeout: 90_000 }, () => {
  it(`keeps the SDK's own code (every chunk, minified, deps external) within ${BUDGETS.ownCode} B`, async () => {
    const size = gz(await bundled(EVERY_EXPORT, true));
    console.log(`[size] SDK own code, every feature: ${size} B gz (budget ${BUDGETS.ownCode})`);
    expect(size).toBeLessThanOrEqual(BUDGETS.ownCode);
  });

  it(`keeps what a minimal app loads up front within ${BUDGETS.minimalInitial} B`, async () => {
    const size = gz(await bundled(MINIMAL_APP, false));
    console.log(`[size] minimal app, SDK code loaded up front: ${size} B gz (budget ${BUDGETS.minimalInitial})`);
    expect(size).toBeLessThanOrEqual(BUDGETS.minimalInitial);
  });

  it(`keeps a minimal browser app, everything bundled (lean MQTT.js, eventemitter3), within ${BUDGETS.minimalBrowserApp} B`, async () => {
    const size = gz(await bundledForBrowser(MINIMAL_APP));
    console.log(`[size] minimal browser app, everything bundled: ${size} B gz (budget ${BUDGETS.minimalBrowserApp})`);
    expect(size).toBeLessThanOrEqual(BUDGETS.minimalBrowserApp);
  });

  it(`keeps what a minimal browser app loads up front (lazy chunks left out) within ${BUDGETS.minimalBrowserUpFront} B`, async () => {
    const size = gz(await bundledForBrowser(MINIMAL_APP, false));
    console.log(`[size] minimal browser app, loaded up front: ${size} B gz (budget ${BUDGETS.minimalBrowserUpFront})`);
    expect(size).toBeLessThanOrEqual(BUDGETS.minimalBrowserUpFront);
  });

  it(`keeps dist/webmqtt.browser.mjs within ${BUDGETS.browserEsm} B`, () => {
    console.log(`[size] webmqtt.browser.mjs: ${gz(readFileSync(`${dist}webmqtt.browser.mjs`))} B gz (budget ${BUDGETS.browserEsm})`);
    expect(gz(readFileSync(`${dist}webmqtt.browser.mjs`))).toBeLessThanOrEqual(BUDGETS.browserEsm);
  });

  it(`keeps dist/webmqtt.umd.min.js within ${BUDGETS.umdMin} B`, () => {
    console.log(`[size] webmqtt.umd.min.js: ${gz(readFileSync(`${dist}webmqtt.umd.min.js`))} B gz (budget ${BUDGETS.umdMin})`);
    expect(gz(readFileSync(`${dist}webmqtt.umd.min.js`))).toBeLessThanOrEqual(BUDGETS.umdMin);
  });
});
