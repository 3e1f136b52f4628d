import type { Page, TestInfo } from '@playwright/test';
import { test, expect } from './support/fixtures';

// The bundles under the strict Content-Security-Policy the static server puts on /csp/*:
//   default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'
// No inline script, no eval, no blob: worker. MQTT.js's worker timers start a blob: Worker; the SDK
// probes for that and falls back to native timers, so keepalive pings must still flow.

const POLICY = "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'";

interface Violation {
  directive: string;
  blockedURI: string;
  sourceFile: string;
  line: number;
  sample: string;
}

/** Runs on one broker only; works whether or not the fixtures have a `brokerKind` option yet. */
function onlyOneBroker(testInfo: TestInfo): void {
  const kind = (testInfo.project.use as { brokerKind?: string }).brokerKind ?? testInfo.project.name;
  test.skip(kind === 'mosquitto', 'CSP checks need one broker');
}

test.beforeEach(({}, testInfo) => onlyOneBroker(testInfo));

/** Opens a /csp/ page, checks the policy header is there, and collects what went wrong. */
async function openUnderCsp(page: Page, siteUrl: string, file: string): Promise<{ problems: string[]; violations(): Promise<Violation[]> }> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A 404 shows up as "Failed to load resource" without its URL: the response listener reports it instead.
    if (/Failed to load resource/.test(message.text())) return;
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    // Chromium asks for /favicon.ico on its own; the static server has none.
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  const response = await page.goto(`${siteUrl}/csp/${file}`);
  expect(response?.headers()['content-security-policy']).toBe(POLICY);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  return { problems, violations: () => page.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations) };
}

test('the policy is in force on /csp/ pages: eval and a blob: worker are refused and reported (control)', async ({ page, site }) => {
  const csp = await openUnderCsp(page, site.url, 'csp-control.html');
  await expect.poll(() => page.evaluate(() => (window as any).cspControl?.worker)).not.toBe('pending');
  const control = await page.evaluate(() => (window as any).cspControl);
  // Note workerConstructor: Chromium does not throw on a CSP-blocked worker, so a try/catch probe cannot see the block.
  expect(control).toEqual({ eval: 'EvalError', worker: 'error event', workerConstructor: 'did not throw' });
  // The listener in csp-violations.js sees both, so an empty list elsewhere means something.
  await expect.poll(async () => (await csp.violations()).map((v) => v.directive).sort()).toEqual(['script-src', 'worker-src']);
});

for (const [bundle, file] of [['UMD (webmqtt.umd.min.js)', 'csp-umd.html'], ['ESM (webmqtt.browser.mjs)', 'csp-esm.html']] as const) {
  test(`${bundle} under the strict CSP: connect, subscribe, publish round trip works`, async ({ page, site, broker, token, topicPrefix }) => {
    const csp = await openUnderCsp(page, site.url, file);
    const result = await page.evaluate(roundTrip, { url: broker.urls.ws, token, topic: `${topicPrefix}/csp` });
    expect(result).toEqual({ state: 'connected', messages: ['under csp'], errors: [] });
    expect(csp.problems.filter((p) => !/Content Security Policy/i.test(p))).toEqual([]);
    test.info().annotations.push({ type: 'CSP violations reported', description: JSON.stringify(await csp.violations()) });
  });

  test(`${bundle} under the strict CSP: connecting reports no CSP violation`, async ({ page, site, broker, token, topicPrefix }) => {
    // The probe worker itself is the one worker-src report a strict-CSP page sees; MQTT.js then runs on native
    // timers and starts no blocked worker of its own.
    const csp = await openUnderCsp(page, site.url, file);
    await page.evaluate(roundTrip, { url: broker.urls.ws, token, topic: `${topicPrefix}/csp` });
    const violations = await csp.violations();
    expect(violations.length).toBeLessThanOrEqual(1);
    expect(JSON.stringify(violations)).not.toMatch(/script-src|eval/);
  });
}

/** In the page: connect, subscribe, publish, wait for the message, close. */
async function roundTrip({ url, token, topic }: { url: string; token: string; topic: string }) {
  const w = window as any;
  const { client, record } = w.makeHarness({ url, auth: { token } });
  await client.connect();
  await client.subscribe(topic, () => {}, { qos: 1 });
  await client.publish(topic, 'under csp', { qos: 1 });
  const deadline = Date.now() + 5_000;
  while (record.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const state = client.state;
  await client.close();
  return { state, messages: record.messages.map((m: any) => m.text), errors: record.errors };
}

/** In the page: keepalive 1 s, wait 4.5 s, then a round trip; returns states and ping counts. */
async function keepaliveRun({ url, token, topic }: { url: string; token: string; topic: string }) {
  const w = window as any;
  const { client, record } = w.makeHarness({ url, auth: { token }, keepalive: 1 });
  const packets: string[] = [];
  client.on('packet', (p: any) => packets.push(`${p.direction} ${p.packet.cmd}`));
  await client.connect();
  await new Promise((r) => setTimeout(r, 4_500));
  await client.subscribe(topic, () => {}, { qos: 1 });
  await client.publish(topic, 'still here', { qos: 1 });
  const deadline = Date.now() + 5_000;
  while (record.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const out = {
    state: client.state,
    states: record.states.map((s: any) => s.current),
    pingreq: packets.filter((p) => p === 'out pingreq').length,
    pingresp: packets.filter((p) => p === 'in pingresp').length,
    messages: record.messages.map((m: any) => m.text),
  };
  await client.close();
  return out;
}

function expectSteadyKeepalive(result: Awaited<ReturnType<typeof keepaliveRun>>): void {
  // One connection for the whole run: no drop, no reconnect (aedes closes a client after 1.5 keepalives without a packet).
  expect(result.states).toEqual(['connecting', 'connected']);
  expect(result.state).toBe('connected');
  expect(result.pingreq).toBeGreaterThanOrEqual(2);
  expect(result.pingresp).toBeGreaterThanOrEqual(2);
  expect(result.messages).toEqual(['still here']);
}

test('without a CSP (same page, same bundle), keepalive 1 s keeps one connection up for 4 periods (control)', async ({ page, site, broker, token, topicPrefix }) => {
  await page.goto(`${site.url}/csp-umd.html`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  const result = await page.evaluate(keepaliveRun, { url: broker.urls.ws, token, topic: `${topicPrefix}/keepalive` });
  expectSteadyKeepalive(result);
  test.info().annotations.push({ type: 'keepalive without CSP', description: JSON.stringify(result) });
});

test('UMD under the strict CSP with keepalive 1 s: pings flow and the connection stays up for 4 keepalive periods', async ({ page, site, broker, token, topicPrefix }) => {
  // Was a bug (fixed in keepalive-timer.ts): Chromium does not throw for a CSP-blocked worker, so the old
  // probe let MQTT.js run its pings in a worker that never started. The probe now waits for the worker to answer.
  await openUnderCsp(page, site.url, 'csp-umd.html');
  const result = await page.evaluate(keepaliveRun, { url: broker.urls.ws, token, topic: `${topicPrefix}/keepalive` });
  test.info().annotations.push({ type: 'keepalive under CSP', description: JSON.stringify(result) });
  expectSteadyKeepalive(result);
});
