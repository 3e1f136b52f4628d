// One config, four artefacts of @webmqtt/client (see packages/client/package.json "exports"):
//   dist/index.mjs            ESM for bundlers; mqtt and eventemitter3 stay external (+ index.cjs; lazily loaded
//                             chunks requests.mjs/.cjs and message-stream.mjs/.cjs beside them)
//   dist/webmqtt.browser.mjs  ESM with everything inside, for <script type="module"> from a CDN
//   dist/webmqtt.umd(.min).js UMD with everything inside, global `WebMqtt`, for a plain <script> tag
// The two single-file builds inline the dynamic imports (inlineDynamicImports): one file, no chunk to fetch.
//   dist/index.d.ts           one rolled-up declaration file
import { readFileSync } from 'node:fs';
import MagicString from 'magic-string';
import { fileURLToPath } from 'node:url';
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

// The lean browser build of MQTT.js (issue: a browser build lighter than MQTT.js alone): MQTT.js's own
// modules (its client, stores, handlers, mqtt-packet), with the Node libraries they carry only for their API
// replaced by the small stand-ins in src/engine/. MQTT.js's modules are required from their CommonJS build
// ("./*": "./build/*.js"), so node-resolve runs without the browser condition (which would pick MQTT.js's
// prebuilt dist) and commonjs wraps every module (strictRequires): nothing of MQTT.js runs until the first
// connection requires it (src/engine/load-mqtt-client.cjs).
const engineDir = `${pkgDir}/src/engine`;
const mqttVersion = JSON.parse(readFileSync('node_modules/mqtt/package.json', 'utf8')).version;
export const STAND_INS = {
  buffer: 'buffer.ts',
  events: 'event-emitter.ts',
  'readable-stream': 'streams.ts',
  'process-nextick-args': 'next-tick.ts',
  debug: 'debug.ts',
  'lru-cache': 'lru-cache.ts',
  bl: 'buffer-list.ts',
  'rfdc/default': 'deep-clone.ts',
};
/** MQTT.js's own modules that are replaced (by path below mqtt/build/lib/), with what they would require. */
export const MODULE_STAND_INS = {
  'is-browser.js': { file: 'browser-env.ts', requires: [] },
  'get-timer.js': { file: 'keepalive-timers.ts', requires: ['worker-timers', './is-browser'] },
};
const PROCESS = fileURLToPath(new URL(`./${engineDir}/next-tick.ts`, import.meta.url));
const MQTT_VERSION = '\0webmqtt:mqtt-version';
const standIns = () => ({
  name: 'webmqtt-stand-ins',
  async resolveId(source, importer) {
    if (source === MQTT_VERSION) return source;
    if (source === 'mqtt-packet' && importer?.includes('/node_modules/mqtt/build/')) return this.resolve(`./${engineDir}/mqtt-packet-entry.cjs`, undefined);
    if (Object.hasOwn(STAND_INS, source) && importer?.includes('/node_modules/')) return this.resolve(`./${engineDir}/${STAND_INS[source]}`, undefined);
    if (source.startsWith('.') && importer?.includes('/node_modules/mqtt/build/lib/')) {
      const target = new URL(`${source}.js`, `file://${importer}`).pathname;
      const replaced = Object.entries(MODULE_STAND_INS).find(([path]) => target.endsWith(`/mqtt/build/lib/${path}`));
      if (replaced) return this.resolve(`./${engineDir}/${replaced[1].file}`, undefined);
    }
    // shared.js: exports.MQTTJS_VERSION = require('../../package.json').version
    if (source === '../../package.json' && importer?.includes('/node_modules/mqtt/build/')) return MQTT_VERSION;
    return null;
  },
  load: (id) => (id === MQTT_VERSION ? `export const version = ${JSON.stringify(mqttVersion)};` : null),
  transform(code, id) {
    if (!/\/node_modules\/(mqtt\/build|mqtt-packet)\//.test(id)) return null;
    const out = new MagicString(code);
    // Their debug logging goes nowhere here (debug.ts): the calls and their message strings go too.
    // Each becomes an empty statement, so an unbraced `if (x) this.log(…)` keeps its shape.
    for (const call of debugCalls(this.parse(code))) out.overwrite(call.start, call.end, ';');
    // MQTT.js reads a global `process` (process?.nextTick, which throws where there is none): give those modules one.
    if (/\bprocess\b/.test(code)) out.prepend(`var process = require(${JSON.stringify(PROCESS)});\n`);
    return { code: out.toString(), map: out.generateMap({ hires: true }) };
  },
});
/** Statements that only log: `this.log(…)`, `client.log(…)`, `client['log'](…)`, `debug(…)`, as `{ start, end }`. */
function debugCalls(ast) {
  const found = [];
  const isLog = (callee) =>
    (callee.type === 'Identifier' && callee.name === 'debug') ||
    (callee.type === 'MemberExpression' &&
      (callee.object.type === 'ThisExpression' || (callee.object.type === 'Identifier' && callee.object.name === 'client')) &&
      ((callee.property.type === 'Identifier' && !callee.computed && callee.property.name === 'log') || callee.property.value === 'log'));
  const visit = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'ExpressionStatement' && node.expression.type === 'CallExpression' && isLog(node.expression.callee)) {
      found.push({ start: node.start, end: node.end });
      return;
    }
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (Array.isArray(child)) child.forEach(visit);
      else if (child && typeof child.type === 'string') visit(child);
    }
  };
  visit(ast);
  return found;
}

// Every browser artefact: the engine module is the lean one (lean-engine.ts statically imports lean-mqtt.ts).
const leanEngine = ({ external = false } = {}) => ({
  name: 'webmqtt-lean-engine',
  async resolveId(source, importer) {
    if (source === '../engine/mqtt-engine' && importer?.endsWith('/connection/mqtt-factory.ts')) return this.resolve(`./${engineDir}/lean-engine.ts`, undefined);
    // The npm browser entry imports the prebuilt engine file shipped beside it.
    if (external && source === './lean-mqtt' && importer?.endsWith('lean-engine.ts')) return { id: './mqtt-lean.mjs', external: true };
    return null;
  },
});
const engineResolve = () => nodeResolve({ browser: false, exportConditions: ['require', 'default'], preferBuiltins: false });
// A stand-in with named exports is required as its namespace, except `bl`, which mqtt-packet calls: `require('bl')()`.
const engineCommonjs = () =>
  commonjs({ strictRequires: true, requireReturnsDefault: (id) => (id.endsWith('/buffer-list.ts') ? true : 'auto'), extensions: ['.js', '.cjs'] });

const quiet = (warning, warn) => {
  // MQTT.js's client.js and handlers require each other (client <-> handlers/ack); strictRequires handles it.
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
    // The lean MQTT.js for bundlers: dist/mqtt-lean.mjs, imported by dist/index.browser.mjs.
    input: `${engineDir}/lean-mqtt.ts`,
    plugins: [standIns(), engineResolve(), engineCommonjs(), ts()],
    output: [{ file: out('mqtt-lean.mjs'), format: 'es', sourcemap: true, banner: `/*! MQTT.js v${mqttVersion} (MIT), built from its modules for browsers by ${pkg.name} */` }],
    onwarn: quiet,
  },
  {
    // The browser entry for bundlers (the "browser" export condition): the SDK with the lean engine, which stays
    // a separate file; lazily loaded chunks are *.browser.mjs beside it.
    input,
    external: ['eventemitter3'],
    plugins: [leanEngine({ external: true }), ts()],
    output: [{ dir: out(''), entryFileNames: 'index.browser.mjs', chunkFileNames: '[name].browser.mjs', format: 'es', sourcemap: true, banner }],
    onwarn: quiet,
  },
  {
    input,
    plugins: [leanEngine(), standIns(), engineResolve(), engineCommonjs(), ts()],
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
  // @webmqtt/react (packages/react): after the client's entries, whose dist/index.d.ts its types import.
  ...reactBuild(),
];

// @webmqtt/react: ESM + CJS with react and @webmqtt/client external (peer dependencies), and one rolled-up .d.ts
// (copied to .d.cts for require()). The source has no JSX (createElement), so react/jsx-runtime is never imported.
// No 'use client' directive: Vite 8 (rolldown) warns about it in every app that bundles the package; React Server
// Components apps import the hooks from a file of theirs marked 'use client' (README).
function reactBuild() {
  const dir = 'packages/react';
  const reactPkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
  const reactBanner = `/*! ${reactPkg.name} v${reactPkg.version} | MIT */`;
  const external = (id) => id === 'react' || id.startsWith('react/') || id === '@webmqtt/client';
  return [
    {
      input: `${dir}/src/index.ts`,
      external,
      plugins: [
        typescript({
          tsconfig: `${dir}/tsconfig.json`,
          // Comments are kept, as in the client's files: removeComments would also drop the /* @__PURE__ */ that lets
          // a bundler drop createContext() from an app that imports the package and uses none of it.
          compilerOptions: { declaration: false, sourceMap: true, inlineSources: true, outDir: undefined, rootDir: undefined },
          include: [`${dir}/src/**/*.ts`],
        }),
      ],
      output: [
        { file: `${dir}/dist/index.mjs`, format: 'es', sourcemap: true, banner: reactBanner },
        { file: `${dir}/dist/index.cjs`, format: 'cjs', sourcemap: true, banner: reactBanner, exports: 'named' },
      ],
    },
    {
      input: `${dir}/src/index.ts`,
      external,
      plugins: [dts({ tsconfig: `${dir}/tsconfig.json` })],
      output: [{ file: `${dir}/dist/index.d.ts`, format: 'es' }, { file: `${dir}/dist/index.d.cts`, format: 'es' }],
    },
  ];
}
