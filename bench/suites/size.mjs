// Case 5: bytes a user ships. Dist files as built; the SDK's own code (mqtt and eventemitter3
// external) minified; a minimal and a full-feature app bundled by rollup with tree-shaking.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compressedSizes, fileSizes, minify } from '../size/measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = `${root}packages/client/dist/`;

async function bundle(entry, { external, compress = true }) {
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
  const { output } = await build.generate({ format: 'es', inlineDynamicImports: true });
  await build.close();
  return compressedSizes(await minify(output.filter((c) => c.type === 'chunk').map((c) => c.code).join('\n'), { compress }));
}

export async function size(ctx) {
  const { log } = ctx;
  const files = readdirSync(dist).filter((f) => /\.(m?js|cjs)$/.test(f)).sort();
  const distRows = files.map((f) => ({ name: `dist/${f}`, ...fileSizes(dist + f) }));
  const { readFileSync } = await import('node:fs');
  const own = { name: 'SDK own code (dist/index.mjs minified, mqtt + eventemitter3 external)', ...compressedSizes(await minify(readFileSync(`${dist}index.mjs`, 'utf8'))) };
  const app = (f) => fileURLToPath(new URL(`../size/${f}`, import.meta.url));
  const apps = [
    { name: 'minimal app, SDK code only (connect/subscribe/publish)', ...(await bundle(app('minimal-app.mjs'), { external: true })) },
    { name: 'full-feature app, SDK code only', ...(await bundle(app('full-app.mjs'), { external: true })) },
    // Mangled, not compressed (terser's compressor takes a minute on MQTT.js under load).
    { name: 'minimal app, everything bundled (MQTT.js inside; mangled only)', ...(await bundle(app('minimal-app.mjs'), { external: false, compress: false })) },
  ];
  const others = [
    { name: 'mqtt/dist/mqtt.min.js (5.16)', ...fileSizes(`${root}node_modules/mqtt/dist/mqtt.min.js`) },
    { name: 'paho-mqtt/paho-mqtt-min.js (1.1)', ...fileSizes(`${root}node_modules/paho-mqtt/paho-mqtt-min.js`) },
  ];
  const modules = await moduleSizes();
  for (const r of [own, ...apps]) log(`  size ${r.name}: ${r.gzip} B gz, ${r.brotli} B br`);
  return { dist: distRows, own, apps, others, modules };
}

/** Where the bytes are: each source module transpiled and minified on its own. */
async function moduleSizes() {
  const ts = (await import('typescript')).default;
  const { readFileSync } = await import('node:fs');
  const src = `${root}packages/client/src/`;
  const out = [];
  for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
    const js = ts.transpileModule(readFileSync(src + f, 'utf8'), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
    out.push({ name: f, gzip: compressedSizes(await minify(js)).gzip });
  }
  return out.sort((a, b) => b.gzip - a.gzip);
}
