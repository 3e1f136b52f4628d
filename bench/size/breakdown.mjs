// Where the bytes are: bundles packages/client/src (mqtt and eventemitter3 external) with rollup,
// minifies each module's rendered code with terser and reports, per source module,
//   min:      its minified bytes,
//   gzip:     that minified code gzipped on its own,
//   marginal: how many gzip bytes the whole bundle loses without it (gzip shares a dictionary across
//             modules, so the marginals sum to less than the total; they say what cutting a module would buy).
// `node bench/size/breakdown.mjs [entry]`: entry is a file importing '@webmqtt/client' (default: every export).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { minify as terser } from 'terser';
import { compressedSizes, minify } from './measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// WEBMQTT_SRC: another source folder (e.g. an older checkout of src/) to compare against.
const src = process.env.WEBMQTT_SRC ?? `${root}packages/client/src/`;

/** A rollup plugin that reads src/*.ts through `ts.transpileModule` (fast, no type check), as rollup.config.mjs compiles it. */
async function sourcePlugin(entryCode) {
  const ts = (await import('typescript')).default;
  return {
    name: 'webmqtt-src',
    resolveId(id, importer) {
      if (id === 'entry') return id;
      if (id === '@webmqtt/client') return `${src}index.ts`;
      if (importer && id.startsWith('.')) return new URL(`${id.replace(/\.js$/, '')}.ts`, `file://${importer}`).pathname;
      return null;
    },
    load(id) {
      if (id === 'entry') return entryCode;
      if (!id.endsWith('.ts')) return null;
      const out = ts.transpileModule(readFileSync(id, 'utf8'), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, useDefineForClassFields: false } });
      return out.outputText;
    },
  };
}

/**
 * Per-module sizes of what `entryCode` pulls from the SDK. With `initialOnly`, chunks reached only through a
 * dynamic import are left out (what loads first); otherwise everything reachable counts.
 */
export async function moduleBreakdown(entryCode = "export * from '@webmqtt/client';", { initialOnly = false } = {}) {
  const { rollup } = await import('rollup');
  const build = await rollup({ input: 'entry', external: ['mqtt', 'eventemitter3'], plugins: [await sourcePlugin(entryCode)], onwarn: () => {} });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  const chunks = output.filter((c) => c.type === 'chunk' && (!initialOnly || c.isEntry || !c.isDynamicEntry || output.some((o) => o.type === 'chunk' && o.isEntry && o.imports.includes(c.fileName))));
  const parts = [];
  for (const chunk of chunks) {
    for (const [id, info] of Object.entries(chunk.modules)) {
      if (!info.code || !id.startsWith(src)) continue;
      // A module alone exports nothing, so `unused: false` keeps its declarations; `module: true` still
      // mangles top-level names as a minifier does for a whole bundle.
      const { code } = await terser(info.code, { module: true, compress: { passes: 2, unused: false }, mangle: true, format: { comments: false } });
      parts.push({ name: id.slice(src.length), min: code ?? '' });
    }
  }
  // The whole of it as a bundler's minifier sees it (each chunk minified as one), for comparison with the sum.
  const whole = compressedSizes((await Promise.all(chunks.map((c) => minify(c.code)))).join('\n')).gzip;
  const joined = (list) => list.map((p) => p.min).join('\n');
  const total = compressedSizes(joined(parts)).gzip;
  const rows = parts.map((p) => ({
    name: p.name,
    min: Buffer.byteLength(p.min),
    gzip: compressedSizes(p.min).gzip,
    marginal: total - compressedSizes(joined(parts.filter((q) => q !== p))).gzip,
  }));
  return { total, whole, rows: rows.sort((a, b) => b.marginal - a.marginal) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entry = process.argv[2] ? readFileSync(process.argv[2], 'utf8') : undefined;
  const { total, whole, rows } = await moduleBreakdown(entry, { initialOnly: process.argv.includes('--initial') });
  console.log(`${'module'.padEnd(28)} ${'min B'.padStart(7)} ${'gz alone'.padStart(9)} ${'marginal gz'.padStart(12)}`);
  for (const r of rows) console.log(`${r.name.padEnd(28)} ${String(r.min).padStart(7)} ${String(r.gzip).padStart(9)} ${String(r.marginal).padStart(12)}`);
  console.log(`${'total (modules minified one by one, joined, gzip)'.padEnd(50)} ${total} B`);
  console.log(`${'whole (each chunk minified as one, gzip)'.padEnd(50)} ${whole} B`);
}
