import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { TestInfo } from '@playwright/test';
import mqtt, { type MqttClient } from 'mqtt';
import { test, expect, type E2EBroker } from './support/fixtures';
import { serveDirectory } from './support/static-server';
import { exec, extractTarball, packClient, repoRoot, scratchDir } from './support/pack';
import { watchProblems } from './support/page-problems';

// @webmqtt/react as users get it: both packages packed by `npm pack`, installed into a copy of e2e/apps/react (a
// plain Vite + React app, StrictMode on) outside the monorepo, built by Vite with no config, and run in Chromium
// against the dev broker. SUBSCRIBE packets are counted by the broker itself; the same App is rendered to a string
// in a Node process that watches for sockets, and that HTML is hydrated in the page.

const run = promisify(execFile);


/** Runs against the dev broker only: the counting hooks into its aedes instance. */
function onlyAedes(testInfo: TestInfo): void {
  const kind = (testInfo.project.use as { brokerKind?: string }).brokerKind ?? testInfo.project.name;
  test.skip(kind !== 'aedes', 'the SUBSCRIBE count needs the dev broker (aedes)');
}

/** Packs packages/react as `npm publish` would (scripts not run: the dist that is there). */
async function packReact(): Promise<string> {
  const dir = join(repoRoot, 'packages/react');
  if (!existsSync(join(dir, 'dist/index.mjs'))) throw new Error('packages/react/dist is missing: run `npm run build` first.');
  const into = scratchDir('webmqtt-react-pack-');
  const [info] = JSON.parse(await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], dir)) as Array<{ filename: string }>;
  return join(into, info!.filename);
}

const installedVersion = (name: string): string => (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The app copied to a scratch directory with both tarballs installed the way a user does (react and react-dom at
 * the versions the monorepo has); with no registry, the tarballs' files and the dependencies linked from the monorepo.
 */
async function installApp(): Promise<{ appDir: string; installedWith: string }> {
  const [{ tarball: client }, react] = await Promise.all([packClient(), packReact()]);
  const appDir = join(scratchDir('webmqtt-react-app-'), 'app');
  cpSync(join(repoRoot, 'e2e/apps/react'), appDir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist|dist-ssr)$/.test(src) });
  const pinned = ['react', 'react-dom'].map((name) => `${name}@${installedVersion(name)}`);
  try {
    await exec('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', client, react, ...pinned], appDir);
    return { appDir, installedWith: `npm install <client tarball> <react tarball> ${pinned.join(' ')}` };
  } catch (error) {
    mkdirSync(join(appDir, 'node_modules/@webmqtt'), { recursive: true });
    for (const [name, tarball] of [['client', client], ['react', react]] as const) {
      cpSync(await extractTarball(tarball, join(appDir, `.tarball-${name}`)), join(appDir, 'node_modules/@webmqtt', name), { recursive: true });
    }
    for (const dep of ['mqtt', 'eventemitter3', 'react', 'react-dom', 'scheduler']) symlinkSync(join(repoRoot, 'node_modules', dep), join(appDir, 'node_modules', dep), 'dir');
    return { appDir, installedWith: `tarballs extracted, dependencies linked from the monorepo (npm install failed: ${String((error as Error).message).split('\n')[0]})` };
  }
}


interface AedesEvents {
  on(event: 'subscribe', listener: (subscriptions: Array<{ topic: string }>, client: { id: string } | null) => void): unknown;
  on(event: 'unsubscribe', listener: (topics: string[], client: { id: string; closed?: boolean } | null) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Counts SUBSCRIBE and UNSUBSCRIBE packets as the broker handles them: aedes' `subscribe` event fires once per
 * SUBSCRIBE packet (with its filters), `unsubscribe` once per UNSUBSCRIBE, and also when a clean session's
 * connection closes (aedes drops its subscriptions then; that client is `closed`, and no packet came: not counted).
 * The dev broker keeps its aedes instance
 * in a private field and makes a new one on every resume(); the field is wrapped so each new instance is watched
 * from its first packet. (@webmqtt/broker has no public packet hook; one would replace this.)
 */
function countAtBroker(broker: E2EBroker): { subscribes(filter: string): number; unsubscribes(filter: string): number; stop(): void } {
  const holder = broker as unknown as { aedes: AedesEvents | undefined };
  if (!('aedes' in holder)) throw new Error('the dev broker no longer keeps its aedes instance in `aedes`: update countAtBroker');
  const subscribes: string[][] = [];
  const unsubscribes: string[][] = [];
  const onSubscribe = (subscriptions: Array<{ topic: string }>): void => void subscribes.push(subscriptions.map((s) => s.topic));
  const onUnsubscribe = (topics: string[], client: { closed?: boolean } | null): void => {
    if (client?.closed !== true) unsubscribes.push(topics);
  };
  const watched = new Set<AedesEvents>();
  const watch = (aedes: AedesEvents | undefined): void => {
    if (!aedes || watched.has(aedes)) return;
    watched.add(aedes);
    aedes.on('subscribe', onSubscribe);
    aedes.on('unsubscribe', onUnsubscribe);
  };
  let current = holder.aedes;
  watch(current);
  Object.defineProperty(holder, 'aedes', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (next: AedesEvents | undefined) => {
      current = next;
      watch(next);
    },
  });
  return {
    subscribes: (filter) => subscribes.filter((filters) => filters.includes(filter)).length,
    unsubscribes: (filter) => unsubscribes.filter((filters) => filters.includes(filter)).length,
    stop() {
      for (const aedes of watched) {
        aedes.removeListener('subscribe', onSubscribe);
        aedes.removeListener('unsubscribe', onUnsubscribe);
      }
      delete (holder as { aedes?: unknown }).aedes;
      holder.aedes = current;
    },
  };
}

async function peer(broker: E2EBroker, token: string): Promise<MqttClient> {
  // MQTT 3.1.1 sends no password without a username: aedes would never answer the CONNECT.
  const client = await mqtt.connectAsync(broker.urls.ws, { username: 'react-e2e-peer', password: token, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
  client.on('error', () => {});
  return client;
}

/** What the server-side render printed: the HTML, every socket anything tried to open, and what was left running. */
interface SsrOutput {
  html: string;
  sockets: string[];
  windowType: string;
  handlesAfter: string[];
}

/**
 * Renders the app's entry-server build in a fresh Node process where opening a socket is recorded (net.Socket's
 * connect, a WebSocket global that refuses), then waits 300 ms for anything the render scheduled.
 */
async function renderInNode(appDir: string, config: { url: string; token: string; prefix: string }): Promise<SsrOutput> {
  const entry = pathToFileURL(join(appDir, 'dist-ssr/entry-server.js')).href;
  const script = `
    import net from 'node:net';
    const sockets = [];
    const connect = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (...args) { sockets.push('net:' + JSON.stringify(args[0]?.port ?? args[0])); return connect.apply(this, args); };
    globalThis.WebSocket = class { constructor(url) { sockets.push('WebSocket:' + url); throw new Error('no sockets while rendering'); } };
    const { render } = await import(${JSON.stringify(entry)});
    const html = render(${JSON.stringify(config)});
    await new Promise((resolve) => setTimeout(resolve, 300));
    const handlesAfter = process.getActiveResourcesInfo().filter((h) => h !== 'TTYWrap' && h !== 'PipeWrap');
    process.stdout.write(JSON.stringify({ html, sockets, windowType: typeof window, handlesAfter }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as SsrOutput;
}

test.describe('a Vite + React app on @webmqtt/react from the packed tarballs, StrictMode on', () => {
  test.describe.configure({ mode: 'serial' });

  let appDir = '';
  let site: { url: string; close(): Promise<void> } | undefined;

  test.beforeAll(async ({}, testInfo) => {
    onlyAedes(testInfo);
    testInfo.setTimeout(240_000);
    const installed = await installApp();
    appDir = installed.appDir;
    const { build, createLogger } = await import('vite');
    // Vite's JS API with no config file and no plugins: `vite build` and `vite build --ssr src/entry-server.tsx`;
    // a warning (a directive Vite cannot keep, an unresolved import) fails the build.
    const warnings: string[] = [];
    const logger = createLogger('warn');
    logger.warn = (message) => void warnings.push(message);
    logger.warnOnce = logger.warn;
    const common = { root: appDir, configFile: false as const, logLevel: 'warn' as const, customLogger: logger };
    await build({ ...common, build: { outDir: join(appDir, 'dist'), emptyOutDir: true } });
    await build({ ...common, build: { ssr: 'src/entry-server.tsx', outDir: join(appDir, 'dist-ssr'), emptyOutDir: true } });
    expect(warnings, warnings.join('\n')).toEqual([]);
    site = await serveDirectory(join(appDir, 'dist'));
    testInfo.annotations.push({ type: 'react app', description: installed.installedWith });
  });

  test.afterAll(async () => {
    await site?.close();
  });

  test('the state badge follows a broker restart; the broker sees one SUBSCRIBE per connection for 5 components on one filter', async ({ page, broker, token, topicPrefix }) => {
    const counted = countAtBroker(broker);
    const problems = watchProblems(page);
    const filter = `${topicPrefix}/readings/+`;
    try {
      await page.goto(`${site!.url}/`);
      await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
      await page.evaluate((config) => (window as unknown as { startApp(c: unknown): void }).startApp(config), { url: broker.urls.ws, token, prefix: topicPrefix, listeners: 5 });
      await expect(page.locator('#state')).toHaveText('connected');
      await expect(page.locator('#readings')).toHaveAttribute('data-subscribed', 'true');
      // StrictMode mounted every component twice; five components share the filter: one SUBSCRIBE.
      expect(counted.subscribes(filter)).toBe(1);

      await broker.pause();
      await expect(page.locator('#state')).toHaveText('reconnecting');
      await expect(page.locator('#retry')).toContainText('next in');
      await broker.resume();
      await expect(page.locator('#state')).toHaveText('connected', { timeout: 15_000 });
      // A clean session: the client subscribes again on the new connection, once.
      await expect.poll(() => counted.subscribes(filter)).toBe(2);

      // The subscription works after the restart, for every component; still two SUBSCRIBEs and no UNSUBSCRIBE.
      const publisher = await peer(broker, token);
      try {
        await publisher.publishAsync(`${topicPrefix}/readings/hall`, 'after restart', { qos: 1 });
        await expect(page.locator('#readings li')).toHaveText(['hall: after restart']);
        await expect(page.locator('.latest')).toHaveText(Array.from({ length: 4 }, () => 'after restart'));
      } finally {
        await publisher.endAsync();
      }
      expect(counted.subscribes(filter)).toBe(2);
      expect(counted.unsubscribes(filter)).toBe(0);
      const states = await page.evaluate(() => (window as unknown as { renderedStates: string[] }).renderedStates);
      expect(states.slice(states.indexOf('connected'))).toEqual(expect.arrayContaining(['connected', 'reconnecting']));
      expect(states.at(-1)).toBe('connected');
      expect(problems.filter((p) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
    } finally {
      counted.stop();
    }
  });

  test('a peer’s messages fill the live list in order; the publish button reaches the peer', async ({ page, broker, token, topicPrefix }) => {
    const problems = watchProblems(page);
    const publisher = await peer(broker, token);
    try {
      const commands: string[] = [];
      publisher.on('message', (topic, payload) => {
        if (topic === `${topicPrefix}/commands`) commands.push(payload.toString());
      });
      await publisher.subscribeAsync(`${topicPrefix}/commands`, { qos: 1 });
      await page.goto(`${site!.url}/`);
      await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
      await page.evaluate((config) => (window as unknown as { startApp(c: unknown): void }).startApp(config), { url: broker.urls.ws, token, prefix: topicPrefix, listeners: 3 });
      await expect(page.locator('#readings')).toHaveAttribute('data-subscribed', 'true');

      // 25 readings as fast as the peer can send them; the list keeps the last 20, oldest first.
      await Promise.all(Array.from({ length: 25 }, (_, i) => publisher.publishAsync(`${topicPrefix}/readings/kitchen`, `r${i + 1}`, { qos: 1 })));
      await expect(page.locator('#readings li')).toHaveText(Array.from({ length: 20 }, (_, i) => `kitchen: r${i + 6}`));
      await expect(page.locator('.latest')).toHaveText(['r25', 'r25']);

      await page.locator('#publish').click();
      await expect(page.locator('#sent')).toHaveText('1');
      await page.locator('#publish').click();
      await expect(page.locator('#sent')).toHaveText('2');
      await expect.poll(() => commands).toEqual(['lights on 1', 'lights on 2']);
      expect(problems).toEqual([]);
    } finally {
      await publisher.endAsync();
    }
  });

  test('the same App rendered in Node opens no socket and leaves nothing running; the page hydrates it with no mismatch, then connects', async ({ page, broker, token, topicPrefix }) => {
    const config = { url: broker.urls.ws, prefix: topicPrefix };
    const ssrToken = `ssr-${token.slice(-12)}`;
    const rendered = await renderInNode(appDir, { ...config, token: ssrToken });
    expect(rendered.sockets).toEqual([]);
    expect(rendered.windowType).toBe('undefined');
    expect(rendered.handlesAfter.filter((h) => /Timeout|Immediate|TCP|Socket/i.test(h))).toEqual([]);
    expect(rendered.html).toContain('data-state="idle"');
    expect(rendered.html).toContain('data-subscribed="false"');
    expect(rendered.html).not.toContain(ssrToken);

    const template = readFileSync(join(appDir, 'dist/index.html'), 'utf8');
    expect(template).toContain('<!--app-html-->');
    writeFileSync(join(appDir, 'dist/ssr.html'), template.replace('<!--app-html-->', rendered.html));

    const problems = watchProblems(page);
    await page.goto(`${site!.url}/ssr.html`);
    await page.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true);
    // The server's HTML, before any script ran.
    await expect(page.locator('#state')).toHaveText('idle');
    await page.evaluate((c) => (window as unknown as { startApp(c: unknown): void }).startApp(c), { ...config, token, listeners: 5 });
    await expect(page.locator('#state')).toHaveText('connected');
    await expect(page.locator('#readings')).toHaveAttribute('data-subscribed', 'true');
    expect(await page.evaluate(() => (window as unknown as { hydrationErrors: string[] }).hydrationErrors)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
