import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page, TestInfo } from '@playwright/test';
import sirv from 'sirv';
import webpack, { type Stats } from 'webpack';
import { test, expect } from './support/fixtures';
import { listenOnLoopback } from './support/static-server';
import { exec, extractTarball, packClient, repoRoot, scratchDir } from './support/pack';
import { watchProblems } from './support/page-problems';

// The package as users get it: `npm pack` of packages/client, installed into copies of a plain Vite app
// and a plain webpack 5 app outside the monorepo (so nothing resolves from the workspace by accident),
// and a page that loads the UMD file from the tarball with a <script> tag. All must run without any Node shim.

/** Runs on one broker only; works whether or not the fixtures have a `brokerKind` option yet. */
function onlyOneBroker(testInfo: TestInfo): void {
  const kind = (testInfo.project.use as { brokerKind?: string }).brokerKind ?? testInfo.project.name;
  test.skip(kind === 'mosquitto', 'toolchain checks need one broker');
}

/** Serves `mounts` (URL prefix -> directory) on 127.0.0.1 with a free port. */
async function serve(mounts: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const handlers = Object.entries(mounts)
    .sort(([a], [b]) => b.length - a.length)
    .map(([prefix, dir]) => ({ prefix, handler: sirv(dir, { dev: true }) }));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/favicon.ico') {
      // Chromium asks for it; a 404 would show up as a console error.
      res.statusCode = 204;
      res.end();
      return;
    }
    const mount = handlers.find((h) => url.startsWith(h.prefix));
    if (!mount) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    req.url = `/${url.slice(mount.prefix.length)}`;
    mount.handler(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  return listenOnLoopback(server);
}

/** The complaint MQTT.js users see when a bundler leaves Node globals in the browser build. */
const NODE_GLOBALS = /\b(Buffer|global|process|require)\b is not defined/;

/** The emitted JS below `dir`: in all and per file (path relative to `dir`), raw and gzip -9 bytes. */
function jsSize(dir: string): { files: number; bytes: number; gzip: number; each: Record<string, { bytes: number; gzip: number }> } {
  const each: Record<string, { bytes: number; gzip: number }> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path, `${rel}${name}/`);
      else if (name.endsWith('.js')) {
        const content = readFileSync(path);
        each[`${rel}${name}`] = { bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
      }
    }
  };
  walk(dir, '');
  const sizes = Object.values(each);
  return {
    files: sizes.length,
    bytes: sizes.reduce((sum, s) => sum + s.bytes, 0),
    gzip: sizes.reduce((sum, s) => sum + s.gzip, 0),
    each,
  };
}

/**
 * Copies `e2e/apps/<app>` to a scratch directory and installs the packed tarball into it the way a
 * user does; with no registry, the tarball's files with the dependencies linked from the monorepo.
 * Returns the copy and a line saying which of the two happened.
 */
async function installTarballInto(app: string): Promise<{ appDir: string; installedWith: string }> {
  const { tarball } = await packClient();
  const appDir = join(scratchDir(`webmqtt-${app}-app-`), 'app');
  cpSync(join(repoRoot, 'e2e/apps', app), appDir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
  let installedWith: string;
  try {
    // What a user does: npm install the package (its dependencies mqtt and eventemitter3 come from the registry or npm's cache).
    await exec('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], appDir);
    installedWith = 'npm install <tarball> (mqtt, eventemitter3 from the registry/cache)';
  } catch (error) {
    // No registry: the same files, with the dependencies linked from the monorepo's node_modules.
    const pkg = await extractTarball(tarball, join(appDir, '.tarball'));
    mkdirSync(join(appDir, 'node_modules/@webmqtt'), { recursive: true });
    cpSync(pkg, join(appDir, 'node_modules/@webmqtt/client'), { recursive: true });
    for (const dep of ['mqtt', 'eventemitter3']) symlinkSync(join(repoRoot, 'node_modules', dep), join(appDir, 'node_modules', dep), 'dir');
    installedWith = `tarball extracted, dependencies linked from the monorepo (npm install failed: ${String((error as Error).message).split('\n')[0]})`;
  }
  expect(existsSync(join(appDir, 'node_modules/@webmqtt/client/dist/index.mjs'))).toBe(true);
  return { appDir, installedWith };
}

/**
 * Opens a built app at `pageUrl`, runs its `roundTrip` against the broker and checks the message came
 * back, was shown in #log, and that the page reported nothing (in particular no Node-global error).
 */
async function expectRoundTrip(page: Page, pageUrl: string, run: { url: string; token: string; topic: string; text: string }): Promise<void> {
  const problems = watchProblems(page);
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
  const result = await page.evaluate(
    ({ url, token, topic }) => (window as unknown as { roundTrip(u: string, t: string, topic: string): Promise<unknown> }).roundTrip(url, token, topic),
    { url: run.url, token: run.token, topic: run.topic },
  );
  expect(result).toEqual({ received: run.text, state: 'connected', isError: false });
  await expect(page.locator('#log li')).toHaveText([`${run.topic}: ${run.text}`]);
  expect(problems.filter((p) => NODE_GLOBALS.test(p))).toEqual([]);
  expect(problems).toEqual([]);
}

/** A bundle's module paths, `/`-separated: MQTT.js's Node build (build/*.js, ws, socks) and anything from the monorepo's packages. */
function nodeBuildAndMonorepoModules(moduleIds: string[]): { nodeBuild: string[]; monorepo: string[] } {
  const root = repoRoot.replace(/\\/g, '/');
  return {
    nodeBuild: moduleIds.filter((id) => id.includes('/node_modules/mqtt/build/') || /\/node_modules\/(ws|socks)\//.test(id)),
    monorepo: moduleIds.filter((id) => id.startsWith(`${root}packages/`)),
  };
}

/**
 * What a bundler user gets through the `browser` export condition: the SDK's browser entry and the lean
 * MQTT.js shipped beside it (MQTT.js's client built from its modules), nothing of the `mqtt` package itself.
 */
function expectLeanBrowserBuild(moduleIds: string[]): void {
  const normalised = moduleIds.map((id) => id.replace(/\\/g, '/'));
  expect(normalised.filter((id) => /\/node_modules\/@webmqtt\/client\/dist\/(index\.browser|mqtt-lean)\.mjs$/.test(id)).map((id) => id.replace(/.*\/dist\//, '')).sort()).toEqual(['index.browser.mjs', 'mqtt-lean.mjs']);
  expect(normalised.filter((id) => id.includes('/node_modules/mqtt/'))).toEqual([]);
  // MQTT.js's Node build (build/*.js, ws, net, tls) must not be in a browser bundle, and nothing from
  // the monorepo: the app saw only what the tarball ships.
  expect(nodeBuildAndMonorepoModules(normalised)).toEqual({ nodeBuild: [], monorepo: [] });
}

test.describe('Vite app importing @webmqtt/client from the packed tarball', () => {
  test.describe.configure({ mode: 'serial' });

  let appDir = '';
  let installedWith = '';
  let moduleIds: string[] = [];
  let site: { url: string; close(): Promise<void> } | undefined;

  test.beforeAll(async ({}, testInfo) => {
    onlyOneBroker(testInfo);
    testInfo.setTimeout(240_000);
    ({ appDir, installedWith } = await installTarballInto('vite'));

    // Vite's JS API with no config file and no plugins: exactly `vite build` in a fresh project.
    const { build } = await import('vite');
    const result = await build({ root: appDir, configFile: false, logLevel: 'warn', build: { outDir: join(appDir, 'dist'), emptyOutDir: true } });
    const outputs = (Array.isArray(result) ? result : [result]) as Array<{ output?: Array<{ type: string; moduleIds?: string[]; modules?: Record<string, unknown> }> }>;
    moduleIds = outputs.flatMap((o) => o.output ?? []).flatMap((chunk) => (chunk.type === 'chunk' ? chunk.moduleIds ?? Object.keys(chunk.modules ?? {}) : []));
    site = await serve({ '/': join(appDir, 'dist') });
    testInfo.annotations.push({ type: 'vite app', description: `${installedWith}; JS ${JSON.stringify(jsSize(join(appDir, 'dist')))}` });
  });

  test.afterAll(async () => {
    await site?.close();
  });

  test('Vite picks the browser entry and the lean MQTT.js from the tarball with no config: nothing of the mqtt package', () => {
    expectLeanBrowserBuild(moduleIds);
  });

  test('the built app connects, subscribes and receives its own publish in Chromium, with no Node-global error', async ({ page, broker, token, topicPrefix }) => {
    await expectRoundTrip(page, `${site!.url}/`, { url: broker.urls.ws, token, topic: `${topicPrefix}/vite`, text: 'hello from vite' });
  });

  test('the token refresh is a chunk the page fetches only after the first CONNACK, and it renews the token', async ({ page, broker, token }) => {
    const problems = watchProblems(page);
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto(`${site!.url}/`);
    await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
    const upFront = [...scripts];
    expect(upFront.some((path) => /token-refresh/.test(path)), `scripts loaded with the page: ${upFront.join(', ')}`).toBe(false);
    const reasons = await page.evaluate(
      ({ url, token }) => (window as unknown as { refreshRound(u: string, t: string): Promise<string[]> }).refreshRound(url, token),
      { url: broker.urls.ws, token },
    );
    // 'initial' once per first attempt ('auto' on a 3.1.1 broker tries MQTT 5 first), then the renewal's 'expiring'.
    expect(reasons[0]).toBe('initial');
    expect(reasons.at(-1)).toBe('expiring');
    expect(reasons.filter((reason) => reason !== 'initial')).toEqual(['expiring']);
    expect(scripts.filter((path) => /token-refresh/.test(path))).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});

test.describe('plain <script> tag loading the UMD file from the packed tarball', () => {
  let site: { url: string; close(): Promise<void> } | undefined;

  test.beforeAll(async ({}, testInfo) => {
    onlyOneBroker(testInfo);
    testInfo.setTimeout(120_000);
    const { tarball } = await packClient();
    const pkg = await extractTarball(tarball, scratchDir('webmqtt-script-tag-'));
    expect(existsSync(join(pkg, 'dist/webmqtt.umd.min.js'))).toBe(true);
    site = await serve({ '/vendor/': join(pkg, 'dist'), '/': join(repoRoot, 'e2e/apps/script-tag') });
  });

  test.afterAll(async () => {
    await site?.close();
  });

  test('webmqtt.umd.min.js defines window.WebMqtt and a round trip works, with no Node-global error', async ({ page, broker, token, topicPrefix }) => {
    await expectRoundTrip(page, `${site!.url}/index.html`, { url: broker.urls.ws, token, topic: `${topicPrefix}/umd`, text: 'hello from a script tag' });
    const exported = await page.evaluate(() => Object.keys((window as unknown as { WebMqtt: object }).WebMqtt).sort());
    expect(exported).toEqual(expect.arrayContaining(['createClient', 'isWebMqttError', 'WebMqttError', 'ErrorCode']));
  });
});

test.describe('webpack 5 app importing @webmqtt/client from the packed tarball', () => {
  test.describe.configure({ mode: 'serial' });

  let stats: Stats | undefined;
  let moduleIds: string[] = [];
  let site: { url: string; close(): Promise<void> } | undefined;

  test.beforeAll(async ({}, testInfo) => {
    onlyOneBroker(testInfo);
    testInfo.setTimeout(240_000);
    const { appDir, installedWith } = await installTarballInto('webpack');

    // webpack's Node API with entry, output and mode only: no resolve.fallback, no ProvidePlugin, no
    // performance settings. `context` is the app's directory, as it is for `npx webpack` run there
    // (the API would otherwise take the test runner's cwd, the monorepo, for browserslist and package.json).
    const compiler = webpack({ context: appDir, mode: 'production', entry: './src/main.js', output: { path: join(appDir, 'dist') } });
    stats = await new Promise<Stats>((resolve, reject) => compiler.run((error, result) => (error || !result ? reject(error ?? new Error('webpack returned no stats')) : resolve(result))));
    await new Promise<void>((resolve, reject) => compiler.close((error) => (error ? reject(error) : resolve())));
    moduleIds = [...stats.compilation.modules].flatMap((m) => m.nameForCondition() ?? []).map((id) => id.replace(/\\/g, '/'));
    site = await serve({ '/': appDir });
    testInfo.annotations.push({ type: 'webpack app', description: `${installedWith}; JS ${JSON.stringify(jsSize(join(appDir, 'dist')))}` });
  });

  test.afterAll(async () => {
    await site?.close();
  });

  test('webpack picks the browser entry and the lean MQTT.js from the tarball with no config: nothing of the mqtt package', () => {
    expect(stats!.hasErrors(), stats!.toString({ all: false, errors: true })).toBe(false);
    expectLeanBrowserBuild(moduleIds);
  });

  test('the built app connects, subscribes and receives its own publish in Chromium, with no Node-global error', async ({ page, broker, token, topicPrefix }) => {
    await expectRoundTrip(page, `${site!.url}/`, { url: broker.urls.ws, token, topic: `${topicPrefix}/webpack`, text: 'hello from webpack' });
  });

  // Last, so that a warning never hides whether the app builds and runs.
  test('the production build has no webpack warnings (none of its size-limit hints either)', () => {
    const warnings = stats!.compilation.warnings.map((w) => `${w.name}: ${w.message}`);
    expect(warnings.length, `webpack warned:\n${warnings.join('\n\n')}`).toBe(0);
  });
});
