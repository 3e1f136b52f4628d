import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page, TestInfo } from '@playwright/test';
import sirv from 'sirv';
import { test, expect } from './support/fixtures';
import { listenOnLoopback } from './support/static-server';
import { exec, extractTarball, packClient, repoRoot, scratchDir } from './support/pack';

// The package as users get it: `npm pack` of packages/client, installed into a copy of a plain Vite app
// outside the monorepo (so nothing resolves from the workspace by accident), and a page that loads the
// UMD file from the tarball with a <script> tag. Both must run without any Node shim.

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

/** Everything the page says went wrong: uncaught errors, console errors, failed requests. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return problems;
}

/** The complaint MQTT.js users see when a bundler leaves Node globals in the browser build. */
const NODE_GLOBALS = /\b(Buffer|global|process|require)\b is not defined/;

function jsSize(dir: string): { files: number; bytes: number; gzip: number } {
  let files = 0;
  let bytes = 0;
  let gzip = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.js')) {
        const content = readFileSync(path);
        files++;
        bytes += content.length;
        gzip += gzipSync(content, { level: 9 }).length;
      }
    }
  };
  walk(dir);
  return { files, bytes, gzip };
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
    const { tarball } = await packClient();
    appDir = join(scratchDir('webmqtt-vite-app-'), 'app');
    cpSync(join(repoRoot, 'e2e/apps/vite'), appDir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
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

  test('Vite resolves mqtt to MQTT.js\'s browser build and @webmqtt/client to the tarball\'s index.mjs', () => {
    const normalised = moduleIds.map((id) => id.replace(/\\/g, '/'));
    expect(normalised.some((id) => id.endsWith('/node_modules/@webmqtt/client/dist/index.mjs'))).toBe(true);
    expect(normalised.some((id) => id.endsWith('/node_modules/mqtt/dist/mqtt.esm.js'))).toBe(true);
    // MQTT.js's Node build (build/*.js, ws, net, tls) must not be in a browser bundle.
    expect(normalised.filter((id) => id.includes('/node_modules/mqtt/build/') || /\/node_modules\/(ws|socks)\//.test(id))).toEqual([]);
    // And nothing from the monorepo: the app saw only what the tarball ships.
    expect(normalised.filter((id) => id.startsWith(`${repoRoot.replace(/\\/g, '/')}packages/`))).toEqual([]);
  });

  test('the built app connects, subscribes and receives its own publish in Chromium, with no Node-global error', async ({ page, broker, token, topicPrefix }) => {
    const problems = watchProblems(page);
    await page.goto(`${site!.url}/`);
    await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
    const result = await page.evaluate(
      ({ url, token, topic }) => (window as unknown as { roundTrip(u: string, t: string, topic: string): Promise<unknown> }).roundTrip(url, token, topic),
      { url: broker.urls.ws, token, topic: `${topicPrefix}/vite` },
    );
    expect(result).toEqual({ received: 'hello from vite', state: 'connected', isError: false });
    await expect(page.locator('#log li')).toHaveText([`${topicPrefix}/vite: hello from vite`]);
    expect(problems.filter((p) => NODE_GLOBALS.test(p))).toEqual([]);
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
    const problems = watchProblems(page);
    await page.goto(`${site!.url}/index.html`);
    await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
    const exported = await page.evaluate(() => Object.keys((window as unknown as { WebMqtt: object }).WebMqtt).sort());
    expect(exported).toEqual(expect.arrayContaining(['createClient', 'isWebMqttError', 'WebMqttError', 'ErrorCode']));
    const result = await page.evaluate(
      ({ url, token, topic }) => (window as unknown as { roundTrip(u: string, t: string, topic: string): Promise<unknown> }).roundTrip(url, token, topic),
      { url: broker.urls.ws, token, topic: `${topicPrefix}/umd` },
    );
    expect(result).toEqual({ received: 'hello from a script tag', state: 'connected', isError: false });
    expect(problems.filter((p) => NODE_GLOBALS.test(p))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
