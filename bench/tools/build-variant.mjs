// Builds the browser bundle of the current sources as a named variant the bench pages can load
// side by side with the others: `node bench/tools/build-variant.mjs before` writes
// bench/pages/variants/before.mjs, and client `webmqtt@before` in a bench run uses it
// (e.g. BENCH_CLIENTS=webmqtt@before,webmqtt,mqtt BENCH_ONLY=throughput node bench/run.mjs).
// Not minified: a variant is for comparing, not for shipping.
import { rollup } from 'rollup';
import { fileURLToPath } from 'node:url';
import configs from '../../rollup.config.mjs';

const name = process.argv[2];
if (!name || !/^[\w.-]+$/.test(name)) {
  console.error('usage: node bench/tools/build-variant.mjs <name>');
  process.exit(2);
}
const browser = configs.find((c) => Array.isArray(c.output) && c.output.some((o) => String(o.file).endsWith('webmqtt.browser.mjs')));
const bundle = await rollup({ input: browser.input, plugins: browser.plugins, onwarn: browser.onwarn });
const file = fileURLToPath(new URL(`../pages/variants/${name}.mjs`, import.meta.url));
await bundle.write({ file, format: 'es', inlineDynamicImports: true, sourcemap: false });
await bundle.close();
console.log(`wrote ${file}`);
