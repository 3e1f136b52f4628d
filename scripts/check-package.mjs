#!/usr/bin/env node
// Checks @webmqtt/client and @webmqtt/react as npm would publish them: packs each, then
//   1. the tarball holds only dist/, package.json, README and LICENSE (source maps are fine);
//   1b. every file a shipped JS file imports or requires by relative path (the lazily loaded chunks) is shipped too;
//   2. publint finds no error or warning;
//   3. @arethetypeswrong/cli: no problem for the main entry in any resolution mode, none for the ESM-only subpaths;
//   4. `npm audit --omit=dev` has no high or critical finding (an unreachable audit endpoint is reported, not failed);
//      @webmqtt/react is installed with the client's tarball beside it (its peer dependency is not on the registry).
// Prints a summary and exits 1 when a check fails. Needs `npm run build` first.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const clientDir = join(root, 'packages/client');
const reactDir = join(root, 'packages/react');

/** What each package must ship and how its entry points are checked. */
const PACKAGES = [
  {
    name: '@webmqtt/client',
    dir: clientDir,
    required: ['package.json', 'dist/index.mjs', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/webmqtt.browser.mjs', 'dist/index.browser.mjs', 'dist/mqtt-lean.mjs', 'dist/webmqtt.umd.js', 'dist/webmqtt.umd.min.js'],
    // The ESM/CJS entries load chunks (requests, message-stream, mqtt-lean) by relative path.
    chunks: true,
    // The other subpaths are browser bundles, ESM by design.
    esmOnlySubpaths: true,
  },
  {
    name: '@webmqtt/react',
    dir: reactDir,
    required: ['package.json', 'dist/index.mjs', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'],
    chunks: false,
    esmOnlySubpaths: false,
  },
];
const bin = (name) => join(root, 'node_modules/.bin', name);
const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };

/** Runs a command; never throws, returns its exit code and output. */
async function sh(command, args, cwd = root) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: typeof error.code === 'number' ? error.code : 1, stdout: error.stdout ?? '', stderr: error.stderr ?? String(error) };
  }
}

const results = [];
const report = (name, ok, detail) => reportLine(name, ok, detail);
const reportLine = (name, ok, detail) => {
  results.push({ name, ok, detail });
  console.log(`\n${ok === true ? 'PASS' : ok === 'skip' ? 'SKIP' : 'FAIL'}  ${name}\n${detail.trim().replace(/^/gm, '      ')}`);
};

for (const pkg of PACKAGES) {
  if (!existsSync(join(pkg.dir, 'dist/index.mjs'))) {
    console.error(`${pkg.dir}/dist is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

const packDir = mkdtempSync(join(tmpdir(), 'webmqtt-check-package-'));
const tarballs = {};

/** Packs `pkg` into packDir; resolves with npm's report and the tarball's path. */
async function pack(pkg) {
  const packed = await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], pkg.dir);
  if (packed.code !== 0) {
    report(`${pkg.name}: npm pack`, false, packed.stderr);
    throw new Error('npm pack failed');
  }
  const [info] = JSON.parse(packed.stdout);
  tarballs[pkg.name] = join(packDir, info.filename);
  return { info, tarball: tarballs[pkg.name] };
}

async function checkPackage(pkg) {
  const { dir } = pkg;
  const report = (name, ok, detail) => reportLine(`${pkg.name}: ${name}`, ok, detail);
  // 1. What would be published.
  const { info, tarball } = await pack(pkg);
  const files = info.files.map((f) => f.path).sort();
  const allowed = /^(package\.json|README(\.md)?|LICEN[CS]E(\.md|\.txt)?|dist\/.+)$/i;
  const unexpected = files.filter((f) => !allowed.test(f));
  const missing = pkg.required.filter((f) => !files.includes(f));
  const noLicense = !files.some((f) => /^LICEN[CS]E/i.test(f));
  report(
    'tarball contents',
    unexpected.length === 0 && missing.length === 0,
    `${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(0)} kB packed, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked\n` +
      files.join('\n') +
      (unexpected.length ? `\nunexpected: ${unexpected.join(', ')}` : '') +
      (missing.length ? `\nmissing: ${missing.join(', ')}` : '') +
      (noLicense ? '\nnote: no LICENSE file in the tarball ("license": "MIT" is declared; MIT asks for the notice to ship with the code)' : ''),
  );

  // 1b. Every file a shipped JS file loads by relative path (the client's lazily loaded chunks) must be in the tarball;
  // a package built as one file per format has none, and any it had would be a build mistake to look at.
  const relative = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.\.?\/[^'"]+)['"]/gm;
  const links = files
    .filter((f) => /\.(m?js|cjs)$/.test(f))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(relative)].map((m) => ({ from: f, to: normalize(join(dirname(f), m[1])) })));
  const broken = links.filter((l) => !files.includes(l.to));
  report(
    'relative imports resolve inside the tarball',
    (pkg.chunks ? links.length > 0 : links.length === 0) && broken.length === 0,
    `${links.length} relative imports: ${[...new Set(links.map((l) => l.to))].sort().join(', ')}` +
      (broken.length ? `\nmissing: ${broken.map((l) => `${l.from} -> ${l.to}`).join(', ')}` : ''),
  );

  // 2. publint on the tarball (what npm users get, not the workspace folder).
  const publint = await sh(bin('publint'), ['run', tarball, '--strict']);
  const publintText = `${publint.stdout}${publint.stderr}`;
  report('publint --strict', publint.code === 0 && !/error|warning/i.test(publintText.replace(/All good!/, '')), publintText || '(no output)');

  // 3. Are the types wrong? The main entry for every resolution mode (node10, node16 CJS and ESM,
  // bundler); the other subpaths are browser bundles, ESM by design, so for ESM resolution only.
  const attwMain = await sh(bin('attw'), [tarball, '--entrypoints', '.', '--format', 'table-flipped']);
  report('attw "." (strict: node10, node16 CJS/ESM, bundler)', attwMain.code === 0, `${attwMain.stdout}${attwMain.stderr}`);
  if (pkg.esmOnlySubpaths) {
    const attwSubpaths = await sh(bin('attw'), [tarball, '--exclude-entrypoints', '.', './package.json', '--profile', 'esm-only', '--format', 'table-flipped']);
    report('attw subpaths (esm-only: node16 ESM, bundler)', attwSubpaths.code === 0, `${attwSubpaths.stdout}${attwSubpaths.stderr}`);
  }

  // 4. Runtime dependencies' advisories, resolved as a user's install would resolve them.
  const auditDir = join(packDir, `audit-${pkg.name.replace(/\W/g, '-')}`);
  mkdirSync(auditDir);
  writeFileSync(join(auditDir, 'package.json'), JSON.stringify({ name: 'webmqtt-audit', private: true, version: '0.0.0' }));
  // The react package's peer @webmqtt/client is installed from its tarball, as a user of both would have it.
  const installed = pkg.name === '@webmqtt/client' ? [tarball] : [tarballs['@webmqtt/client'], tarball];
  const install = await sh('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts', ...installed], auditDir);
  if (install.code !== 0) {
    report('npm audit --omit=dev', 'skip', `could not resolve the dependency tree (registry unreachable?):\n${install.stderr.split('\n').slice(0, 5).join('\n')}`);
  } else {
    const audit = await sh('npm', ['audit', '--omit=dev', '--json'], auditDir);
    let parsed;
    try {
      parsed = JSON.parse(audit.stdout);
    } catch {
      parsed = undefined;
    }
    const counts = parsed?.metadata?.vulnerabilities;
    if (!counts) {
      report('npm audit --omit=dev', 'skip', `audit endpoint not reachable or no report:\n${(audit.stderr || audit.stdout).split('\n').slice(0, 5).join('\n')}`);
    } else {
      const names = Object.entries(parsed.vulnerabilities ?? {}).map(([name, v]) => `${name} (${v.severity})`);
      report(
        'npm audit --omit=dev (fails on high or critical)',
        counts.high === 0 && counts.critical === 0,
        `${JSON.stringify(counts)} over ${parsed.metadata?.dependencies?.prod ?? '?'} production dependencies${names.length ? `\n${names.join('\n')}` : ''}`,
      );
    }
  }
}

try {
  for (const pkg of PACKAGES) await checkPackage(pkg);
} catch (error) {
  if (!results.some((r) => r.ok === false)) report('check-package', false, String(error?.stack ?? error));
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

const failed = results.filter((r) => r.ok === false);
console.log(`\nSummary: ${results.map((r) => `${r.name}: ${r.ok === true ? 'pass' : r.ok === 'skip' ? 'skipped' : 'FAIL'}`).join('; ')}`);
process.exit(failed.length ? 1 : 0);
