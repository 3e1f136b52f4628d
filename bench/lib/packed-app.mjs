// The minimal apps as a user builds them, for the pageload and size suites: packages/client packed by `npm pack`
// (of the working tree, or of a baseline ref's build: bench/lib/git-ref.mjs), installed by npm into a scratch
// project outside the monorepo with the app's page from bench/apps/, and built by Vite's JS API with no config file
// (only the output folder is set). The dependencies are pinned to the versions the tree itself has installed, so
// every build measures the same MQTT.js. The built files get precompressed .gz (level 9) and .br (q11) siblings for
// serveStatic (bench/lib/http.mjs).
// A second build of the same project puts each package into chunks of its own (rolldown codeSplitting groups; the
// SDK one chunk per dist file, so its lazy chunks stay apart) only to say which package ships how many bytes.
// Memoised per (tree, app): the suites share the builds.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressed, compressedSizes, withStaticImports } from '../size/measure.mjs';
import { run, scratchDir } from './scratch.mjs';

const appsDir = fileURLToPath(new URL('../apps/', import.meta.url));

export const APPS = {
  webmqtt: { label: 'webmqtt minimal app (connect/subscribe/publish)', main: 'webmqtt-minimal.js', sdk: true },
  mqtt: { label: 'MQTT.js alone (connect/subscribe/publish)', main: 'mqtt-minimal.js', sdk: false },
};

/** Name of the row for the app's own code and the bundler's runtime helpers. */
export const APP_CODE = 'app code + Vite/rolldown runtime';

/**
 * Which package a module id belongs to: 'webmqtt', 'MQTT.js' (mqtt, or the SDK's own lean build of it in
 * dist/mqtt-lean*.mjs), another package's name, or APP_CODE.
 */
export function packageOf(id) {
  const path = id.replace(/\\/g, '/');
  if (/\/@webmqtt\/client\/dist\/mqtt-lean[^/]*$/.test(path)) return 'MQTT.js';
  const name = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (!name) return APP_CODE;
  return name === '@webmqtt/client' ? 'webmqtt' : name === 'mqtt' ? 'MQTT.js' : name;
}

/** A module id as a reader wants it: from the package name on (`mqtt/dist/mqtt.esm.js`), or the app's file name. */
const shortId = (id) => id.replace(/\\/g, '/').replace(/^\0/, '').replace(/^.*\/node_modules\//, '').replace(/^\/.*\//, '');

const packs = new Map();
const builds = new Map();

/** `app` (a key of APPS) built against `tree`; memoised. */
export function viteApp(app, tree, log = () => {}) {
  const key = `${tree.root}\n${app}`;
  if (!builds.has(key)) builds.set(key, buildApp(app, tree, log));
  return builds.get(key);
}

function packClient(tree) {
  if (!packs.has(tree.root)) {
    packs.set(tree.root, (async () => {
      const clientDir = join(tree.root, 'packages/client');
      if (!existsSync(join(clientDir, 'dist/index.mjs'))) throw new Error(`${clientDir}/dist is missing: run \`npm run build\` first`);
      const into = scratchDir('webmqtt-bench-pack-');
      // --ignore-scripts: pack the dist that is there, as `npm publish` would ship it.
      const [info] = JSON.parse(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], { cwd: clientDir, timeoutMs: 120_000 }));
      return join(into, info.filename);
    })());
  }
  return packs.get(tree.root);
}

/** `name@version` as installed in `tree`, or `name` when the tree does not have it. */
function pinned(tree, name) {
  const manifest = join(tree.root, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? `${name}@${JSON.parse(readFileSync(manifest, 'utf8')).version}` : name;
}

/** npm-installs `tarball` (if any) and `deps` into `dir`; offline, the same files linked from the tree. */
async function install(dir, tree, tarball, deps) {
  const specs = [...(tarball ? [tarball] : []), ...deps.map((d) => pinned(tree, d))];
  try {
    await run('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', ...specs], { cwd: dir, timeoutMs: 180_000 });
    return `npm install ${specs.map((s) => (s === tarball ? '<tarball>' : s)).join(' ')}`;
  } catch (error) {
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    if (tarball) {
      await run('tar', ['-xzf', tarball, '-C', dir], { cwd: dir, timeoutMs: 60_000 });
      cpSync(join(dir, 'package'), join(dir, 'node_modules/@webmqtt/client'), { recursive: true });
    }
    for (const dep of deps) {
      mkdirSync(join(dir, 'node_modules'), { recursive: true });
      symlinkSync(join(tree.root, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
    }
    return `${tarball ? 'tarball extracted, ' : ''}${deps.join(', ')} linked from ${tree.label} (npm install failed: ${String(error.tail ?? error.message).slice(0, 200)})`;
  }
}

async function viteBuild(root, outDir, output) {
  const { build } = await import('vite');
  const result = await build({ root, configFile: false, logLevel: 'error', build: { outDir: join(root, outDir), emptyOutDir: true, ...(output && { rolldownOptions: { output } }) } });
  return (Array.isArray(result) ? result : [result]).flatMap((r) => r.output).filter((o) => o.type === 'chunk');
}

/**
 * The chunks a page of the app loads: the entry and its static imports, and what connect() imports on first use
 * (the chunks holding MQTT.js). The SDK's request/messages chunks stay out: the minimal app never calls those.
 */
function loadedChunks(chunks) {
  const loaded = withStaticImports(chunks, chunks.filter((c) => c.isEntry || Object.keys(c.modules).some((id) => packageOf(id) === 'MQTT.js')));
  return chunks.filter((c) => loaded.has(c.fileName));
}

/** Per-file sizes summed (each file compressed on its own, as a server sends it). */
const total = (files) => files.reduce((s, f) => ({ files: s.files + 1, raw: s.raw + f.raw, gzip: s.gzip + f.gzip, brotli: s.brotli + f.brotli }), { files: 0, raw: 0, gzip: 0, brotli: 0 });

/**
 * Chunk group names for the attribution build: one per package, one per file for the SDK, one for the bundler's
 * helpers (virtual `\0…` modules, e.g. Vite's preload helper), so that none of them is counted with a package.
 */
function groupName(id) {
  const pkg = packageOf(id);
  if (pkg === APP_CODE) return id.startsWith('\0') ? 'bundler-runtime' : null;
  return pkg === 'webmqtt' ? `webmqtt-${basename(id).replace(/\.[cm]?js$/, '')}` : pkg.replace(/[^\w.-]/g, '_');
}

/** Loaded bytes of each package in the attribution build; a chunk counts for the package with most of its code. */
function packageRows(chunks, dist) {
  const rows = new Map();
  for (const c of loadedChunks(chunks)) {
    const weight = new Map();
    for (const [id, m] of Object.entries(c.modules)) weight.set(packageOf(id), (weight.get(packageOf(id)) ?? 0) + m.renderedLength);
    const pkg = [...weight].sort((a, b) => b[1] - a[1])[0]?.[0] ?? APP_CODE;
    const row = rows.get(pkg) ?? { name: pkg, code: [], sources: new Set() };
    row.code.push(readFileSync(join(dist, c.fileName)));
    for (const [id, m] of Object.entries(c.modules)) if (m.renderedLength > 0 && packageOf(id) === pkg) row.sources.add(shortId(id));
    rows.set(pkg, row);
  }
  const order = (name) => ['webmqtt', 'MQTT.js', 'eventemitter3'].indexOf(name) + 1 || (name === APP_CODE ? 99 : 50);
  return [...rows.values()]
    .sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name))
    .map((r) => ({ name: r.name, sources: [...r.sources].sort(), ...compressedSizes(Buffer.concat(r.code)) }));
}

/** Writes `<file>.gz` and `<file>.br` next to every .js/.html/.css file under `dir`. */
function precompress(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) precompress(path);
    else if (/\.(m?js|html|css)$/.test(name)) {
      const { gzip, brotli } = compressed(readFileSync(path));
      writeFileSync(`${path}.gz`, gzip);
      writeFileSync(`${path}.br`, brotli);
    }
  }
}

async function buildApp(app, tree, log) {
  const spec = APPS[app];
  const started = Date.now();
  const dir = join(scratchDir(`webmqtt-bench-${app}-app-`), 'app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `bench-${app}-app`, private: true, type: 'module' }, null, 2));
  cpSync(join(appsDir, 'index.html'), join(dir, 'index.html'));
  cpSync(join(appsDir, spec.main), join(dir, 'main.js'));
  const tarball = spec.sdk ? await packClient(tree) : undefined;
  const deps = spec.sdk ? Object.keys(JSON.parse(readFileSync(join(tree.root, 'packages/client/package.json'), 'utf8')).dependencies ?? {}) : ['mqtt'];
  const installedWith = await install(dir, tree, tarball, deps);

  const chunks = await viteBuild(dir, 'dist');
  const dist = join(dir, 'dist');
  const loaded = new Set(loadedChunks(chunks).map((c) => c.fileName));
  const files = chunks.map((c) => ({
    file: c.fileName,
    loaded: loaded.has(c.fileName),
    modules: Object.keys(c.modules).map(shortId),
    ...compressedSizes(readFileSync(join(dist, c.fileName))),
  }));
  precompress(dist);
  const split = await viteBuild(dir, 'dist-split', { codeSplitting: { groups: [{ name: groupName }] } });
  const packages = packageRows(split, join(dir, 'dist-split'));
  log(`  vite app ${app} (${tree.label}) built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${files.length} JS files, loaded ${total(files.filter((f) => f.loaded)).gzip} B gz`);
  return {
    app,
    label: spec.label,
    tree: tree.label,
    installedWith,
    dist,
    files,
    loaded: total(files.filter((f) => f.loaded)),
    emitted: total(files),
    packages,
    /** The package rows summed: a little over `loaded`, the attribution build's chunks import from each other. */
    packagesSum: total(packages),
  };
}
