// Case 5: bytes a user ships. Dist files as built; the SDK's own code (mqtt and eventemitter3
// external) minified; a minimal and a full-feature app bundled by rollup with tree-shaking; and, per package, what
// the minimal app built by Vite from the packed tarball loads (bench/lib/packed-app.mjs, shared with the pageload
// suite), for the working tree and, with BENCH_BASELINE_REF, the baseline ref: "before → after".
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compressedSizes, fileSizes, minify, withStaticImports } from '../size/measure.mjs';
import { moduleBreakdown } from '../size/breakdown.mjs';
import { currentTree, treesToMeasure } from '../lib/git-ref.mjs';
import { viteApp } from '../lib/packed-app.mjs';

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
  const initial = withStaticImports(chunks, chunks.filter((c) => c.isEntry));
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
  let shipped;
  try {
    shipped = await shippedByViteApp(log);
  } catch (error) {
    shipped = { error: String(error?.message ?? error).slice(0, 500) };
    log(`  size: Vite app from the tarball FAILED: ${shipped.error}`);
  }
  return { dist: distRows, own, apps, others, modules, shipped };
}

/**
 * The minimal app as Vite builds it from the packed tarball, per package (MQTT.js is whatever the app bundles:
 * mqtt/dist/mqtt.esm.js through the SDK's `import('mqtt')`, or the SDK's dist/mqtt-lean.mjs once its browser entry
 * imports that), one build per tree (baseline first); and MQTT.js alone in the same kind of app.
 */
async function shippedByViteApp(log) {
  const builds = [];
  for (const tree of await treesToMeasure(log)) {
    const b = await viteApp('webmqtt', tree, log);
    builds.push({ tree: tree.label, commit: tree.commit, installedWith: b.installedWith, packages: b.packages, packagesSum: b.packagesSum, loaded: b.loaded, emitted: b.emitted, files: b.files });
    log(`  size vite app (${tree.label}): ${b.packages.map((p) => `${p.name} ${p.gzip}`).join(', ')} B gz; loaded ${b.loaded.gzip} B gz in ${b.loaded.files} files`);
  }
  const mqttOnly = await viteApp('mqtt', currentTree, log);
  return { builds, mqttOnly: { installedWith: mqttOnly.installedWith, loaded: mqttOnly.loaded, packages: mqttOnly.packages } };
}
