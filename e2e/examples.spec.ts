import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { test, expect, type Page, type TestInfo } from '@playwright/test';
import { installExample, runScript, type InstalledExample, type ScriptRun } from './support/examples';
import { freePort, mosquittoAvailable, mosquittoBinary } from './support/mosquitto';
import { startMtlsMosquitto, type MtlsMosquitto } from './support/mosquitto-mtls';
import { exec, repoRoot, scratchDir } from './support/pack';
import { entryKey, parseTranscript, SEED_WS_EXAMPLE_OUTPUT, type TranscriptEntry } from './support/seed-transcript';
import { serveDirectory } from './support/static-server';
import { createTestPki, type TestPki } from './support/test-pki';

// examples/node-ws and examples/node-wss-mtls, the seed's two scripts ported to webmqtt, run as a user runs them:
// copied out of the monorepo, the packed tarball installed, `node <script>` against Mosquitto set up like the
// seed's TBMQ (WS, and WSS with a CA, a server and a client certificate made for this run). Their output is held
// to the seed's expected output; the bad paths must end within 5 s, non-zero, with the code that names them.
// Plain @playwright/test: no page and no dev broker are needed. Runs in the 'aedes' project only (see the
// everyBroker pattern in playwright.config.ts), once.

/** The seed's output with the one line MQTT.js cannot show: it writes the CONNECT inside mqtt.connect(), before
 * the script's 'packetsend' listener exists; webmqtt connects on connect(), after the listeners are attached. */
function expectedEntries(): string[] {
  const keys = parseTranscript(SEED_WS_EXAMPLE_OUTPUT).map(entryKey);
  keys.splice(keys.indexOf('Connecting client...') + 1, 0, 'send connect');
  return keys;
}

/** Fields of a dump that may differ from the seed's, and why. */
const FREE_FIELDS = new Set([
  'messageId', // chosen by the client; checked below to pair the SUBSCRIBE with its SUBACK
  'length', // MQTT 5 (webmqtt's default, 'auto') adds a properties length to every packet
]);

/**
 * Every scalar field the seed's dump shows is in ours with the same value (bytes compared as text), in any order;
 * more fields are fine (MQTT 5 properties). MQTT 5 calls CONNACK's returnCode reasonCode.
 */
function expectSeedFields(ours: Extract<TranscriptEntry, { kind: 'packet' }>, seed: Extract<TranscriptEntry, { kind: 'packet' }>): void {
  const have = ours.fields.map(([key, value]) => `${key}: ${value}`);
  for (const [key, value] of seed.fields) {
    if (FREE_FIELDS.has(key)) continue;
    if (key === 'returnCode') {
      expect(have.some((f) => f === `returnCode: ${value}` || f === `reasonCode: ${value}`), `${ours.direction} ${ours.cmd}: returnCode/reasonCode ${value} in ${ours.dump}`).toBe(true);
      continue;
    }
    expect(have, `${ours.direction} ${ours.cmd}: the seed's "${key}: ${value}" in ${ours.dump}`).toContain(`${key}: ${value}`);
  }
}

function describeRun(run: ScriptRun): string {
  return `exit ${run.exitCode}${run.killedAtDeadline ? ' (killed at the deadline)' : ''} after ${Math.round(run.exitAtMs)} ms\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

/** The seed's lines, in the seed's order, with the seed's packets; exit 0. */
function expectSeedTranscript(run: ScriptRun, connect: { clientId: string; username?: string }): void {
  const detail = describeRun(run);
  expect(run.exitCode, detail).toBe(0);
  expect(run.stderr, detail).toBe('');
  const ours = parseTranscript(run.stdout);
  expect(ours.map(entryKey), detail).toEqual(expectedEntries());
  const exact = ['Client connected!', 'Received message. Payload: Hello World. Topic: sensors/temperature', 'Closing client...'];
  for (const line of exact) expect(run.lines.map((l) => l.text), detail).toContain(line);

  const packets = ours.filter((e): e is Extract<TranscriptEntry, { kind: 'packet' }> => e.kind === 'packet');
  const seedPackets = parseTranscript(SEED_WS_EXAMPLE_OUTPUT).filter((e): e is Extract<TranscriptEntry, { kind: 'packet' }> => e.kind === 'packet');
  const [connectPacket, ...rest] = packets;
  expect(rest.length).toBe(seedPackets.length);
  rest.forEach((packet, i) => expectSeedFields(packet, seedPackets[i]!));

  // The CONNECT carries the seed's options: its client id, clean session, the username shown (not a token, so not
  // redacted), and no password (the seed's `password: null`).
  const fields = new Map(connectPacket!.fields);
  expect(fields.get('clientId'), connectPacket!.dump).toBe(`'${connect.clientId}'`);
  expect(fields.get('clean'), connectPacket!.dump).toBe('true');
  if (connect.username) expect(fields.get('username'), connectPacket!.dump).toBe(`'${connect.username}'`);
  expect([undefined, 'undefined', 'null'], connectPacket!.dump).toContain(fields.get('password'));
  // One payload type in both directions (the issue saw Uint8Array out, Buffer in).
  const payloadType = (p: TranscriptEntry | undefined): string | undefined => (p?.kind === 'packet' ? /payload: (<Buffer|\w+\(|')/.exec(p.dump)?.[1] : undefined);
  const publishes = rest.filter((p) => p.cmd === 'publish');
  expect(payloadType(publishes[0]), `${publishes[0]?.dump}\n${publishes[1]?.dump}`).toBe(payloadType(publishes[1]));
  const messageIds = rest.filter((p) => p.cmd === 'subscribe' || p.cmd === 'suback').map((p) => new Map(p.fields).get('messageId'));
  expect(messageIds[0], 'the SUBACK answers the SUBSCRIBE').toBeDefined();
  expect(messageIds[1]).toBe(messageIds[0]);
}

interface BadPath {
  /** What the user got wrong. */
  name: string;
  code: string;
  errorAtMs: number;
  /** From "Connecting client..." to the error line: the client's share, without Node's start-up. */
  clientMs: number;
  exitAtMs: number;
}
const badPaths: BadPath[] = [];

/**
 * The run ended within 5 s, non-zero, its last line the rejection of connect() with `code`; nothing was reported
 * as sent on a socket that never opened. Returns the `Error:` lines and records the timing.
 */
function expectFastFailure(run: ScriptRun, name: string, code: string, testInfo: TestInfo): string[] {
  const detail = describeRun(run);
  expect(run.killedAtDeadline, detail).toBe(false);
  expect(run.exitCode, detail).not.toBe(0);
  expect(run.exitCode, detail).not.toBeNull();
  const errors = run.lines.filter((l) => l.text.startsWith('Error: '));
  const last = errors.at(-1);
  expect(last?.text, detail).toMatch(new RegExp(`^Error:  ${code}: \\S`));
  expect(run.lines.at(-1)?.text, detail).toBe(last?.text);
  expect(run.lines.map((l) => l.text), detail).not.toContain('Client connected!');
  expect(run.lines.filter((l) => l.text.startsWith('Packet send...')).map((l) => l.text), `${detail}\nnothing is sent on a socket that never opened`).toEqual([]);
  expect(run.exitAtMs, detail).toBeLessThan(5_000);
  const connecting = run.lines.find((l) => l.text === 'Connecting client...');
  const timing: BadPath = {
    name,
    code,
    errorAtMs: Math.round(last!.atMs),
    clientMs: Math.round(last!.atMs - (connecting?.atMs ?? 0)),
    exitAtMs: Math.round(run.exitAtMs),
  };
  badPaths.push(timing);
  testInfo.annotations.push({ type: 'time to error', description: `${name}: ${code} ${timing.errorAtMs} ms after spawn (${timing.clientMs} ms after "Connecting client..."), exit ${run.exitCode} at ${timing.exitAtMs} ms` });
  return errors.map((l) => l.text);
}

/** An HTTP server that answers every request, WebSocket upgrades included, with 404, and counts the upgrades. */
async function startNotFoundServer(): Promise<{ url: string; upgrades(): number; close(): Promise<void> }> {
  let upgrades = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  server.on('upgrade', (_req, socket) => {
    upgrades += 1;
    socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/mqtt`,
    upgrades: () => upgrades,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test.describe('examples/ (the seed\'s Node scripts) on Mosquitto, from the packed tarball', () => {
  // Not serial: each test reports on its own (a failure restarts the worker, which installs again).
  let ws: InstalledExample;
  let wss: InstalledExample;
  let pki: TestPki;
  let broker: MtlsMosquitto | undefined;

  test.beforeAll(async ({}, testInfo) => {
    const kind = (testInfo.project.use as { brokerKind?: string }).brokerKind ?? testInfo.project.name;
    test.skip(kind === 'mosquitto', 'one run: the examples start their own Mosquitto');
    if (!mosquittoAvailable()) {
      const missing = `the mosquitto binary is not installed at ${mosquittoBinary}`;
      if (process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0') throw new Error(missing);
      test.skip(true, `${missing}; with CI=true this fails instead`);
    }
    testInfo.setTimeout(240_000);
    const dir = scratchDir('webmqtt-examples-');
    pki = await createTestPki(dir);
    [ws, wss, broker] = await Promise.all([installExample('node-ws'), installExample('node-wss-mtls'), startMtlsMosquitto(dir, pki)]);
    testInfo.annotations.push({ type: 'examples', description: `${ws.installedWith}; broker ${broker.wsUrl} and ${broker.wssUrl}` });
  });

  test.afterAll(async () => {
    await broker?.stop();
    if (badPaths.length > 0) {
      console.log(`time to error:\n${badPaths.map((b) => `  ${b.name}: ${b.code} at ${b.errorAtMs} ms (client ${b.clientMs} ms), exit at ${b.exitAtMs} ms`).join('\n')}`);
    }
  });

  test('each example depends on the tarball `npm pack` writes, where examples/README.md says to put it', () => {
    for (const example of [ws, wss]) expect(example.declaredDependency).toBe(`file:../${example.tarballName}`);
  });

  for (const script of ['ws_example.mjs', 'ws_example.cjs']) {
    test(`node-ws ${script} prints the seed's lines and packets over ws:// and exits 0`, async () => {
      const run = await runScript(ws.dir, script, { MQTT_URL: broker!.wsUrl });
      expectSeedTranscript(run, { clientId: 'tbmq_websockets_client_id', username: 'tbmq_websockets_username' });
    });
  }

  for (const script of ['wss_example.mjs', 'wss_example.cjs']) {
    test(`node-wss-mtls ${script} prints the seed's lines and packets over wss:// with a client certificate and exits 0`, async () => {
      const run = await runScript(wss.dir, script, { MQTT_URL: broker!.wssUrl, MQTT_KEY_FILE: pki.clientKey, MQTT_CERT_FILE: pki.clientCert, MQTT_CA_FILE: pki.ca });
      expectSeedTranscript(run, { clientId: 'tbmq_websockets_client_id' });
      // use_identity_as_username: the broker took the client certificate's name.
      await expect.poll(() => broker!.log(), { timeout: 2_000 }).toContain(`u'${pki.clientName}'`);
    });
  }

  for (const flavour of ['mjs', 'cjs']) {
    test(`(a) wss:// without a client certificate (${flavour}): TLS_FAILED after one connection, within 5 s, exit non-zero`, async ({}, testInfo) => {
      // The ws example over wss://: it sends no certificate. NODE_EXTRA_CA_CERTS makes Node trust the run's CA, so
      // the broker's demand for a client certificate is the only thing wrong.
      const before = broker!.wssConnections;
      const run = await runScript(ws.dir, `ws_example.${flavour}`, { MQTT_URL: broker!.wssUrl, NODE_EXTRA_CA_CERTS: pki.ca });
      const errors = expectFastFailure(run, `(a) no client certificate, ${flavour}`, 'TLS_FAILED', testInfo);
      // Nothing on 'error' for what connect() rejected with; no retry for what no retry can fix.
      expect(errors, describeRun(run)).toHaveLength(1);
      expect(run.lines.map((l) => l.text)).not.toContain('Reconnecting...');
      expect(broker!.wssConnections - before, 'TCP connections for the one attempt').toBe(1);
    });

    test(`(b) a CA that did not sign the server's certificate (${flavour}): TLS_FAILED after one connection, within 5 s, exit non-zero`, async ({}, testInfo) => {
      const before = broker!.wssConnections;
      const run = await runScript(wss.dir, `wss_example.${flavour}`, { MQTT_URL: broker!.wssUrl, MQTT_KEY_FILE: pki.clientKey, MQTT_CERT_FILE: pki.clientCert, MQTT_CA_FILE: pki.otherCa });
      const errors = expectFastFailure(run, `(b) CA does not match, ${flavour}`, 'TLS_FAILED', testInfo);
      expect(errors, describeRun(run)).toHaveLength(1);
      expect(run.lines.map((l) => l.text)).not.toContain('Reconnecting...');
      expect(broker!.wssConnections - before, 'TCP connections for the one attempt').toBe(1);
    });

    test(`(c) HTTP 404 on the WebSocket upgrade (${flavour}): HANDSHAKE_REJECTED naming the status after one upgrade request, within 5 s, exit non-zero`, async ({}, testInfo) => {
      const server = await startNotFoundServer();
      try {
        const run = await runScript(ws.dir, `ws_example.${flavour}`, { MQTT_URL: server.url });
        const errors = expectFastFailure(run, `(c) HTTP 404 on the upgrade, ${flavour}`, 'HANDSHAKE_REJECTED', testInfo);
        expect(errors, describeRun(run)).toHaveLength(1);
        expect(errors[0], 'the message says what the server answered').toMatch(/404/);
        expect(run.lines.map((l) => l.text)).not.toContain('Reconnecting...');
        // Under protocolVersion 'auto' a non-MQTT endpoint must not cost a second socket (no 3.1.1 retry).
        expect(server.upgrades(), 'upgrade requests').toBe(1);
      } finally {
        await server.close();
      }
    });

    test(`(d) a port nothing listens on (${flavour}): CONNECTION_REFUSED on 'error' for each of 3 attempts, then RECONNECT_EXHAUSTED, within 5 s, exit non-zero`, async ({}, testInfo) => {
      const port = await freePort();
      const run = await runScript(ws.dir, `ws_example.${flavour}`, { MQTT_URL: `ws://127.0.0.1:${port}/mqtt` });
      const errors = expectFastFailure(run, `(d) wrong port, ${flavour}`, 'RECONNECT_EXHAUSTED', testInfo);
      const detail = describeRun(run);
      // Every failed attempt's reason reaches 'error' listeners; connect()'s rejection is the last line.
      expect(errors.slice(0, -1).map((e) => /^Error: {2}(\w+): /.exec(e)?.[1]), detail).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
      expect(errors.at(-1), `${detail}\nthe message states the real number of attempts`).toMatch(/\b3 attempts\b/);
      expect(run.lines.filter((l) => l.text === 'Reconnecting...'), detail).toHaveLength(2);
    });
  }
});



/** The page's log once the seed's round trip ended (or failed), with what the page reported going wrong. */
async function pageTranscript(page: Page, url: string): Promise<{ lines: string[]; problems: string[] }> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  await page.goto(url);
  await expect(page.locator('#log')).toContainText(/Closing client\.\.\.|Error: /, { timeout: 15_000 });
  const text = (await page.locator('#log').textContent()) ?? '';
  return { lines: text.split('\n').filter((l) => l !== ''), problems };
}

/** The seed's lines in the seed's order, packets shown by their cmd. */
function expectedPageLines(): string[] {
  return expectedEntries().map((key) => key.replace(/^send (\w+)$/, 'Packet send... $1').replace(/^receive (\w+)$/, 'Packet receive... $1'));
}

test.describe('examples/ (browser) on Mosquitto, from the packed tarball', () => {
  let broker: MtlsMosquitto | undefined;

  test.beforeAll(async ({}, testInfo) => {
    const kind = (testInfo.project.use as { brokerKind?: string }).brokerKind ?? testInfo.project.name;
    test.skip(kind === 'mosquitto', 'one run: the examples start their own Mosquitto');
    test.skip(!mosquittoAvailable() && !(process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0'), `mosquitto is not installed at ${mosquittoBinary}`);
    const dir = scratchDir('webmqtt-examples-browser-');
    broker = await startMtlsMosquitto(dir, await createTestPki(dir));
  });

  test.afterAll(async () => {
    await broker?.stop();
  });

  test('browser-script-tag: the UMD file from node_modules under a strict CSP runs the seed\'s round trip', async ({ page }, testInfo) => {
    testInfo.setTimeout(120_000);
    const example = await installExample('browser-script-tag');
    const site = await serveDirectory(example.dir);
    try {
      const { lines, problems } = await pageTranscript(page, `${site.url}/?url=${encodeURIComponent(broker!.wsUrl)}`);
      expect(lines).toEqual(expectedPageLines());
      expect(problems).toEqual([]);
    } finally {
      await site.close();
    }
  });

  test('vite-ts: type-checks under strict settings (exactOptionalPropertyTypes), builds with no config and runs the seed\'s round trip', async ({ page }, testInfo) => {
    testInfo.setTimeout(180_000);
    // Vite and TypeScript are the monorepo's (the versions the example asks for); @webmqtt/client is the tarball.
    const example = await installExample('vite-ts', { omitDev: true });
    await exec(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.'], example.dir);
    const { build } = await import('vite');
    await build({ root: example.dir, configFile: false, logLevel: 'warn', build: { outDir: join(example.dir, 'dist'), emptyOutDir: true } });
    const site = await serveDirectory(join(example.dir, 'dist'));
    try {
      const { lines, problems } = await pageTranscript(page, `${site.url}/?url=${encodeURIComponent(broker!.wsUrl)}`);
      expect(lines).toEqual(expectedPageLines());
      expect(problems).toEqual([]);
      await expect(page.locator('#badge')).toHaveText('closed');
    } finally {
      await site.close();
    }
  });
});
