import type { Page, TestInfo } from '@playwright/test';
import { test, expect } from './support/fixtures';

// The bundles under the strict Content-Security-Policy the static server puts on /csp/*:
//   default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'
// No inline script, no eval, no blob: worker. Working under it means no violation at all, from the page
// load through connect, subscribe, publish and several keepalive periods: the SDK starts no worker (its
// keepalive pings run on the page's own timers), so none is refused, and pings must still flow. Chromium
// neither throws for a refused worker nor runs it, so only counting pings shows they do.

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

/** In the page (window.cspRun): a client with keepalive 1 s that records packets, connected, subscribed, published to. */
async function startRun({ url, token, topic }: { url: string; token: string; topic: string }): Promise<void> {
  const w = window as any;
  const { client, record } = w.makeHarness({ url, auth: { token }, keepalive: 1 });
  const packets: string[] = [];
  client.on('packet', (p: any) => packets.push(`${p.direction} ${p.packet.cmd}`));
  w.cspRun = { client, record, packets };
  await client.connect();
  await client.subscribe(topic, () => {}, { qos: 1 });
  await client.publish(topic, 'under csp', { qos: 1 });
}

/** What the run has seen so far. */
function runSoFar() {
  const { client, record, packets } = (window as any).cspRun;
  return {
    state: client.state as string,
    states: record.states.map((s: any) => s.current) as string[],
    messages: record.messages.map((m: any) => m.text) as string[],
    errors: record.errors as unknown[],
    pingreq: (packets as string[]).filter((p) => p === 'out pingreq').length,
    pingresp: (packets as string[]).filter((p) => p === 'in pingresp').length,
  };
}

const KEEPALIVE_PERIODS = 3;

/** Starts the run, waits for the message and for KEEPALIVE_PERIODS pings answered, closes; returns what it saw. */
async function keepaliveRun(page: Page, args: { url: string; token: string; topic: string }): Promise<ReturnType<typeof runSoFar>> {
  await page.evaluate(startRun, args);
  const soFar = () => page.evaluate(runSoFar);
  await expect.poll(async () => (await soFar()).messages).toEqual(['under csp']);
  // Each ping waits out a keepalive period first: n answered pings span at least n periods.
  await expect.poll(async () => (await soFar()).pingresp, { timeout: 15_000 }).toBeGreaterThanOrEqual(KEEPALIVE_PERIODS);
  const result = await soFar();
  await page.evaluate(() => (window as any).cspRun.client.close());
  return result;
}

function expectSteadyKeepalive(result: ReturnType<typeof runSoFar>): void {
  // One connection for the whole run: no drop, no reconnect (aedes closes a client after 1.5 keepalives without a packet).
  expect(result).toMatchObject({ state: 'connected', states: ['connecting', 'connected'], messages: ['under csp'], errors: [] });
  expect(result.pingreq).toBeGreaterThanOrEqual(KEEPALIVE_PERIODS);
  expect(result.pingresp).toBeGreaterThanOrEqual(KEEPALIVE_PERIODS);
}

for (const [bundle, file] of [['UMD (webmqtt.umd.min.js)', 'csp-umd.html'], ['ESM (webmqtt.browser.mjs)', 'csp-esm.html']] as const) {
  test(`${bundle} under the strict CSP: connect, subscribe, publish and ${KEEPALIVE_PERIODS} keepalive periods of pings on one connection, with no CSP violation at all`, async ({ page, site, broker, token, topicPrefix }) => {
    // Counting pings, not trusting the absence of errors: Chromium neither throws for a CSP-blocked worker nor
    // runs it, so pings scheduled in one would silently never go out (the old keepalive probe let that happen).
    const csp = await openUnderCsp(page, site.url, file);
    const result = await keepaliveRun(page, { url: broker.urls.ws, token, topic: `${topicPrefix}/csp` });
    test.info().annotations.push({ type: 'run under CSP', description: JSON.stringify(result) });
    expectSteadyKeepalive(result);
    // Every violation the page reported, and every console error, page error or failed request, printed on failure.
    expect({ violations: await csp.violations(), problems: csp.problems }).toEqual({ violations: [], problems: [] });
  });
}

test(`without a CSP (same page, same bundle), keepalive 1 s keeps one connection up for ${KEEPALIVE_PERIODS} periods of pings (control)`, async ({ page, site, broker, token, topicPrefix }) => {
  await page.goto(`${site.url}/csp-umd.html`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  const result = await keepaliveRun(page, { url: broker.urls.ws, token, topic: `${topicPrefix}/keepalive` });
  test.info().annotations.push({ type: 'run without CSP', description: JSON.stringify(result) });
  expectSteadyKeepalive(result);
});
