import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import mqtt from 'mqtt';
import { test, expect, type Page } from '@playwright/test';
import { startDemo, type Demo } from '../demo/start-demo.mjs';

// The demo exactly as `npm start` runs it, in-process on free ports. Every step goes through the
// page as a person would: fill, click, read the badge and the log.
const screenshotPath = fileURLToPath(new URL('../docs/demo.png', import.meta.url));

test.describe.configure({ mode: 'serial' });

let demo: Demo;

test.beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    wsPort: 0,
    wssPort: 0,
    certDir: mkdtempSync(join(tmpdir(), 'webmqtt-demo-certs-')),
    // A stable directory outside the repo: the type-checked build is reused while sources are unchanged.
    outDir: join(tmpdir(), 'webmqtt-demo-e2e-build'),
  });
});

test.afterAll(async () => {
  await demo?.stop();
});

/** Collects console errors and uncaught exceptions; the demo must produce none. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function open(page: Page, path = ''): Promise<void> {
  await page.goto(`${demo.url}${path}`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
}

const badge = (page: Page) => page.locator('#state-badge');
const log = (page: Page) => page.getByRole('list', { name: 'Received messages, newest first' });

async function connect(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(badge(page)).toHaveText(/Connected · MQTT 3\.1\.1/);
}

async function subscribe(page: Page, filter: string): Promise<void> {
  await page.getByLabel('Topic filter').fill(filter);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('list', { name: 'Active subscriptions' }).getByRole('listitem').filter({ hasText: filter })).toContainText('QoS 1');
}

async function publish(page: Page, topic: string, payload: string): Promise<void> {
  await page.getByLabel('Topic', { exact: true }).fill(topic);
  await page.getByLabel('Payload', { exact: true }).fill(payload);
  await page.getByRole('button', { name: 'Publish' }).click();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a full session: connect, subscribe, publish JSON, simulate a sensor, break the connection, trace, axe, screenshot', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page);

  // Prefilled from /config.json: the dev broker's URL and the dev token.
  await expect(badge(page)).toHaveText('Not connected');
  await expect(page.getByLabel('Broker URL')).toHaveValue(demo.brokerUrls.ws);
  await expect(page.getByLabel('Token (JWT)')).toHaveValue(demo.token);
  await connect(page);

  await subscribe(page, 'sensors/#');
  await publish(page, 'sensors/lab/status', '{"ok":true,"battery":87}');
  const jsonRow = log(page).getByRole('listitem').filter({ hasText: 'sensors/lab/status' }).first();
  await expect(jsonRow).toContainText('JSON');
  await expect(jsonRow.locator('pre')).toHaveText('{\n  "ok": true,\n  "battery": 87\n}');

  // The simulated sensor publishes every second: rows in the log and a line in the chart.
  await page.getByRole('switch', { name: 'Simulate sensor' }).check();
  const readings = log(page).getByRole('listitem').filter({ hasText: 'sensors/kitchen/temperature' });
  await expect.poll(() => readings.count(), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
  const legend = page.getByRole('list', { name: 'Charted topics' });
  await expect(legend).toContainText('sensors/kitchen/temperature');
  await expect(legend).toContainText(/\d+\.\d+ · [2-9] points/);
  await expect(page.locator('#chart canvas')).toHaveCount(1);

  // Break the connection: the dev broker drops the socket, the client backs off and comes back.
  await page.getByLabel('Payload', { exact: true }).fill('{"sent":"while offline"}');
  await page.getByRole('button', { name: 'Break the connection' }).click();
  await expect(badge(page)).toHaveText(/Reconnecting in \d+\.\d s \(attempt \d+\)/);
  await expect(badge(page)).toHaveAttribute('title', /^CONNECTION_LOST: .*connection/i);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('#publish-note')).toHaveText(/^Queued for sensors\/lab\/status/);
  await expect(page.locator('#queue-status')).toHaveText(/Offline queue: [1-9]\d* messages? \(\d+ B\), sent on reconnect/);
  await expect(badge(page)).toHaveText(/Connected · MQTT 3\.1\.1/, { timeout: 15_000 });
  await expect(page.locator('#publish-note')).toHaveText('Delivered to sensors/lab/status after reconnecting.');
  await expect(page.locator('#queue-status')).toHaveText(/Offline queue flushed: [1-9]\d* messages? delivered after reconnecting/);
  await expect(log(page).getByRole('listitem').filter({ hasText: 'while offline' })).toHaveCount(1);

  // Let a few more readings arrive after the reconnect, then stop the sensor for a still screenshot.
  const before = await readings.count();
  await expect.poll(() => readings.count(), { timeout: 5_000 }).toBeGreaterThan(before + 1);
  await page.getByRole('switch', { name: 'Simulate sensor' }).uncheck();

  // The packet trace is collapsed by default; CONNECT shows its fields with the password redacted.
  const trace = page.getByRole('list', { name: 'MQTT packets, newest first' });
  await expect(trace).toBeHidden();
  await page.locator('summary', { hasText: 'Packet trace' }).click();
  const connectPacket = trace.getByRole('listitem').filter({ has: page.locator('.packet-type', { hasText: /^CONNECT$/ }) }).first();
  await expect(connectPacket).toContainText('password: "[REDACTED]"');
  await expect(connectPacket).toContainText('clientId: "demo-');
  for (const type of ['CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH']) {
    await expect(trace.locator('.packet-type', { hasText: new RegExp(`^${type}$`) }).first()).toBeVisible();
  }
  expect(await page.locator('body').innerText()).not.toContain(demo.token);

  expect(await seriousViolations(page)).toEqual([]);

  const shot = await page.screenshot({ fullPage: true });
  await testInfo.attach('demo-page', { body: shot, contentType: 'image/png' });
  if (process.env['UPDATE_DEMO_SCREENSHOT'] === '1' || !existsSync(screenshotPath)) {
    mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
    writeFileSync(screenshotPath, shot);
  }

  expect(problems).toEqual([]);
});

test('the message filter, pause and clear act on the log', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  await connect(page);
  await subscribe(page, 'sensors/#');
  await publish(page, 'sensors/a', 'first');
  await publish(page, 'sensors/b', 'second');
  await expect(log(page).getByRole('listitem')).toHaveCount(2);

  await page.getByLabel('Filter messages').fill('sensors/b');
  await expect(log(page).getByRole('listitem').filter({ visible: true })).toHaveText([/second/]);
  await expect(page.locator('#log-count')).toHaveText('1 of 2 messages');
  await page.getByLabel('Filter messages').fill('');

  await page.getByRole('button', { name: 'Pause' }).click();
  await publish(page, 'sensors/c', 'held back');
  await expect(page.locator('#log-count')).toHaveText('2 messages · 1 held while paused');
  await expect(log(page).getByRole('listitem')).toHaveCount(2);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(log(page).getByRole('listitem').first()).toContainText('held back');

  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(log(page).getByRole('listitem')).toHaveCount(0);
  await expect(page.locator('#log-count')).toHaveText('0 messages');
  expect(problems).toEqual([]);
});

test('retained and binary messages from another client show the retained flag and hex', async ({ page }) => {
  const problems = watchConsole(page);
  const other = await mqtt.connectAsync(demo.brokerUrls.ws.replace('localhost', '127.0.0.1'), { username: 'e2e', password: demo.token, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
  try {
    await other.publishAsync('devices/door/raw', Buffer.from([0x00, 0xff, 0x10, 0x7f]), { qos: 1, retain: true });
    await open(page);
    await connect(page);
    await subscribe(page, 'devices/#');
    const row = log(page).getByRole('listitem').filter({ hasText: 'devices/door/raw' });
    await expect(row).toContainText('retained');
    await expect(row).toContainText('binary');
    await expect(row.locator('pre')).toHaveText('00 ff 10 7f (4 bytes, hex)');
  } finally {
    await other.publishAsync('devices/door/raw', '', { qos: 1, retain: true });
    await other.endAsync();
  }
  expect(problems).toEqual([]);
});

test('a bad token ends in the failed state with the error code', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  await page.getByLabel('Token (JWT)').fill('not-a-valid-token');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(badge(page)).toHaveText('Failed: AUTH_FAILED', { timeout: 15_000 });
  expect(problems).toEqual([]);
});

test('the UMD <script> variant connects and shows messages too', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, 'umd.html');
  await expect(page.getByText('SDK loaded via UMD <script> tag')).toBeVisible();
  expect(await page.evaluate(() => typeof (window as unknown as { WebMqtt?: unknown }).WebMqtt)).toBe('object');
  await connect(page);
  await subscribe(page, 'sensors/#');
  await publish(page, 'sensors/umd', 'hello from a script tag');
  await expect(log(page).getByRole('listitem').filter({ hasText: 'sensors/umd' })).toContainText('hello from a script tag');
  expect(problems).toEqual([]);
});

test('keyboard only: tab to Connect, press Enter, get connected', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  await page.getByLabel('Broker URL').focus();
  for (let i = 0; i < 12; i++) {
    const focused = await page.evaluate(() => document.activeElement?.id);
    if (focused === 'connect') break;
    await page.keyboard.press('Tab');
  }
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(badge(page)).toHaveText(/Connected · MQTT 3\.1\.1/);
  expect(problems).toEqual([]);
});

test('at phone width (375 px) nothing scrolls sideways and axe finds no serious issue', async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 375, height: 812 });
  await open(page);
  await connect(page);
  await subscribe(page, 'sensors/#');
  await publish(page, 'sensors/phone/a-rather-long-topic-name-that-must-wrap-instead-of-scrolling', '{"reading":42,"note":"a long payload line that should wrap nicely on a narrow screen"}');
  await page.getByRole('switch', { name: 'Simulate sensor' }).check();
  await expect(page.getByRole('list', { name: 'Charted topics' })).toContainText('sensors/kitchen/temperature');
  await page.locator('summary', { hasText: 'Packet trace' }).click();
  await page.getByRole('switch', { name: 'Simulate sensor' }).uncheck();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBe(0);
  expect(await seriousViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('npm start names the busy port and the flag or variable to change it, without a stack trace', async () => {
  const server = fileURLToPath(new URL('../demo/server.mjs', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [server, ...args], {
        env: { ...process.env, WEBMQTT_DEMO_PORT: '', WEBMQTT_WS_PORT: '', WEBMQTT_WSS_PORT: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill(), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  // The running demo holds these ports.
  const [page, ws] = await Promise.all([
    run(['--port', String(demo.port)]),
    run(['--port', '0', '--ws-port', String(demo.broker.wsPort), '--wss-port', '0']),
  ]);
  expect(page).toEqual({ code: 1, stderr: `Port ${demo.port} is in use: start with --port <n> or WEBMQTT_DEMO_PORT=<n>\n` });
  expect(ws).toEqual({ code: 1, stderr: `Port ${demo.broker.wsPort} is in use: start with --ws-port <n> or WEBMQTT_WS_PORT=<n>\n` });
});

test('"Open another tab": the second tab relays through the first, which leads; closing the leader hands over', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  await connect(page);
  await expect(page.locator('#role-text')).toHaveText('· leader tab');
  const link = page.getByRole('link', { name: 'Open another tab' });
  const [second] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  const secondProblems = watchConsole(second);
  await expect(second.locator('html')).toHaveAttribute('data-ready', 'true');
  await connect(second);
  await expect(second.locator('#role-text')).toHaveText('· follower tab (relayed)');
  // One connection at the broker for both tabs.
  await expect.poll(() => demo.broker.clients).toBe(1);
  await page.close();
  await expect(second.locator('#role-text')).toHaveText('· leader tab');
  await expect(badge(second)).toHaveText(/Connected · MQTT 3\.1\.1/);
  expect(problems).toEqual([]);
  expect(secondProblems).toEqual([]);
});
