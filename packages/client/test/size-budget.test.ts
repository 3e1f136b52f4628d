import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';
import { describe, expect, it } from 'vitest';

/**
 * Size budgets, in gzip bytes (level 9), of what users download. Numbers come from `npm run bench`
 * (see BENCHMARKS.md, "Size"). The targets are 5 KB for the SDK's own code with every feature
 * and 3 KB for a minimal app; the code measured 17.6 KB (17,554 B) when these budgets were set, so the budgets
 * are that measurement + 10 % and only stop growth. Lower them as the code shrinks.
 */
const BUDGETS = {
  /** dist/index.mjs (mqtt and eventemitter3 external) minified with terser. Target: 5 * 1024. */
  ownCode: 19_300,
  /** dist/webmqtt.browser.mjs as shipped (MQTT.js inside). */
  browserEsm: 127_000,
  /** dist/webmqtt.umd.min.js as shipped (MQTT.js inside). */
  umdMin: 127_000,
};

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(`${dist}index.mjs`);
const gz = (code: string | Buffer) => gzipSync(code, { level: 9 }).length;

describe.skipIf(!built)('size budget (gzip)', () => {
  it(`keeps the SDK's own code (minified, deps external) within ${BUDGETS.ownCode} B`, async () => {
    const { code } = await minify(readFileSync(`${dist}index.mjs`, 'utf8'), { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } });
    expect(gz(code ?? '')).toBeLessThanOrEqual(BUDGETS.ownCode);
  });

  it(`keeps dist/webmqtt.browser.mjs within ${BUDGETS.browserEsm} B`, () => {
    expect(gz(readFileSync(`${dist}webmqtt.browser.mjs`))).toBeLessThanOrEqual(BUDGETS.browserEsm);
  });

  it(`keeps dist/webmqtt.umd.min.js within ${BUDGETS.umdMin} B`, () => {
    expect(gz(readFileSync(`${dist}webmqtt.umd.min.js`))).toBeLessThanOrEqual(BUDGETS.umdMin);
  });
});

describe.runIf(!built)('size budget (gzip)', () => {
  // A budget that cannot be checked must not pass quietly.
  it('needs packages/client/dist: run `npm run build` first (`npm test` does)', () => {
    throw new Error('packages/client/dist is missing: run `npm run build` before the size budget test');
  });
});
