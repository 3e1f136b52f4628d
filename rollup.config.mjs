// One config, four artefacts of @webmqtt/client (see packages/client/package.json "exports"):
//   dist/index.mjs            ESM for bundlers; mqtt and eventemitter3 stay external (+ index.cjs; lazily loaded
//                             chunks requests.mjs/.cjs and message-stream.mjs/.cjs beside them)
//   dist/webmqtt.browser.mjs  ESM with everything inside, for <script type="module"> from a CDN
//   dist/webmqtt.umd(.min).js UMD with everything inside, global `WebMqtt`, for a plain <script> tag
// The two single-file builds inline the dynamic imports (inlineDynamicImports): one file, no chunk to fetch.
//   dist/index.d.ts           one rolled-up declaration file
import { readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';

const pkgDir = 'packages/client';
const pkg = JSON.parse(readFileSync(`${pkgDir}/package.json`, 'utf8'));
const input = `${pkgDir}/src/index.ts`;
const out = (file) => `${pkgDir}/dist/${file}`;
const banner = `/*! ${pkg.name} v${pkg.version} | MIT */`;

const ts = () =>
  typescript({
    tsconfig: `${pkgDir}/tsconfig.json`,
    // useDefineForClassFields false: a field with no initialiser (`private readonly connection: Connection;`, set in
    // the constructor) emits nothing instead of a `connection;` declaration in the class body: -250 B gz over the
    // SDK (bench/size/breakdown.mjs). No class here relies on define semantics (no field shadows an inherited accessor).
    compilerOptions: { declaration: false, sourceMap: true, inlineSources: true, outDir: undefined, rootDir: undefined, useDefineForClassFields: false },
    include: [`${pkgDir}/src/**/*.ts`],
  });

// MQTT.js's browser build is prebuilt ESM with a default export only; the browser condition selects it.
const browserResolve = () => nodeResolve({ browser: true, exportConditions: ['browser', 'import', 'default'], preferBuiltins: false });

const quiet = (warning, warn) => {
  // The prebuilt MQTT.js bundle uses `this` at top level and eval-free code paths we do not control.
  if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
  warn(warning);
};

export default [
  {
    input,
    external: ['mqtt', 'eventemitter3'],
    plugins: [ts()],
    // request()/respond() and messages() are dynamic imports, so bundlers put them in chunks an app that never
    // calls them never loads; here they are files next to the entry (dist/requests.mjs, …), shipped by "files".
    // Those chunks import only public exports (ErrorCode, WebMqttError) from index.mjs, so the code stays in
    // index.mjs; a chunk needing an internal would make rollup turn index.mjs into a facade over a core chunk.
    output: [
      { dir: out(''), entryFileNames: 'index.mjs', chunkFileNames: '[name].mjs', format: 'es', sourcemap: true, banner },
      { dir: out(''), entryFileNames: 'index.cjs', chunkFileNames: '[name].cjs', format: 'cjs', sourcemap: true, banner, exports: 'named', interop: 'auto' },
    ],
    onwarn: quiet,
  },
  {
    input,
    plugins: [browserResolve(), commonjs(), ts()],
    output: [
      { file: out('webmqtt.browser.mjs'), format: 'es', sourcemap: true, banner, inlineDynamicImports: true, plugins: [terser({ format: { comments: /^!/ } })] },
      { file: out('webmqtt.umd.js'), format: 'umd', name: 'WebMqtt', sourcemap: true, banner, exports: 'named', inlineDynamicImports: true },
      { file: out('webmqtt.umd.min.js'), format: 'umd', name: 'WebMqtt', sourcemap: true, banner, exports: 'named', inlineDynamicImports: true, plugins: [terser({ format: { comments: /^!/ } })] },
    ],
    onwarn: quiet,
  },
  {
    input,
    external: ['mqtt', 'eventemitter3'],
    plugins: [dts({ tsconfig: `${pkgDir}/tsconfig.json` })],
    output: [{ file: out('index.d.ts'), format: 'es' }, { file: out('index.d.cts'), format: 'es' }],
  },
];
