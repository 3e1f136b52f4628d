// Case 5: bytes a user ships. Dist files as built; the SDK's own code (mqtt and eventemitter3
// external) minified; a minimal and a full-feature app bundled by rollup with tree-shaking.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compressedSizes, fileSizes, minify } from '../size/measure.mjs';
import { moduleBreakdown } from '../size/breakdown.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = `${root}packages/client/dist/`;

/**
 * `entry` bundled against dist/index.mjs. `initialOnly`: only the chunks a page loads up front (entry and static
 * imports), leaving out what request()/respond()/messages() load on first use; otherwise every chunk, inlined.
 */
async function bundle(entry, { external, compress = true, initialOnly = false }) {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const commonjs = (await import('@rollup/plugin-commonjs')).default;
  const sdk = { name: 'sdk', resolveId: (id) => (id === '@webmqtt/client' ? `${dist}index.mjs` : null) };
  const build = await rollup({
    input: entry,
    external: external ? ['mqtt', 'eventemitter3'] : [],
    plugins: [sdk, nodeResolve({ browser: true, exportConditions: ['browser', 'import', 'default'], preferBuiltins: false }), commonjs()],
    onwarn: () => {},
  });
  const { output } = await build.generate({ format: 'es', inlineDynamicImports: !initialOnly });
  await build.close();
  const chunks = output.filter((c) => c.type === 'chunk');
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name)) return;
    initial.add(name);
    chunks.find((c) => c.fileName === name)?.imports.forEach(visit);
  };
  visit(chunks.find((c) => c.isEntry).fileName);
  // Each chunk minified on its own (they import each other, so their texts cannot be joined before), then gzipped together.
  const minified = await Promise.all(chunks.filter((c) => initial.has(c.fileName)).map((c) => minify(c.code, { compress })));
  return compressedSizes(minified.join('\n'));
}

export async function size(ctx) {
  const { log } = ctx;
  const files = readdirSync(dist).filter((f) => /\.(m?js|cjs)$/.test(f)).sort();
  const distRows = files.map((f) => ({ name: `dist/${f}`, ...fileSizes(dist + f) }));
  const app = (f) => fileURLToPath(new URL(`../size/${f}`, import.meta.url));
  // index.mjs only re-exports core.mjs; the whole SDK is every export with the lazy chunks inlined.
  const own = { name: 'SDK own code (all of dist/index.mjs and its chunks, minified, mqtt + eventemitter3 external)', ...(await bundle(app('every-export.mjs'), { external: true })) };
  const apps = [
    { name: 'minimal app, SDK code loaded up front (connect/subscribe/publish)', ...(await bundle(app('minimal-app.mjs'), { external: true, initialOnly: true })) },
    { name: 'full-feature app, SDK code only (lazy chunks included)', ...(await bundle(app('full-app.mjs'), { external: true })) },
    // Mangled, not compressed (terser's compressor takes a minute on MQTT.js under load).
    { name: 'minimal app, everything bundled (MQTT.js inside; mangled only)', ...(await bundle(app('minimal-app.mjs'), { external: false, compress: false })) },
    { name: 'full-feature app, SDK code loaded up front (request/messages chunks left out)', ...(await bundle(app('full-app.mjs'), { external: true, initialOnly: true })) },
  ];
  const others = [
    { name: 'mqtt/dist/mqtt.min.js (5.16)', ...fileSizes(`${root}node_modules/mqtt/dist/mqtt.min.js`) },
    { name: 'paho-mqtt/paho-mqtt-min.js (1.1)', ...fileSizes(`${root}node_modules/paho-mqtt/paho-mqtt-min.js`) },
  ];
  const modules = (await moduleBreakdown()).rows;
  for (const r of [own, ...apps]) log(`  size ${r.name}: ${r.gzip} B gz, ${r.brotli} B br`);
  return { dist: distRows, own, apps, others, modules };
}
