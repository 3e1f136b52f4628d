import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { test, expect, type Browser, type Page } from '@playwright/test';
import { CONTROL_HEADER, CONTROL_PATHS, startBroker, type Broker } from '@webmqtt/broker';
import { startDemo, type Demo } from '../demo/start-demo.mjs';

// What a web page that is not the developer's own can do to the dev broker and the demo server
// just by being open in a browser on the same machine. Three kinds of page:
// - another local origin, http://127.0.0.2:<port> (not a loopback name the broker allows);
// - a loopback origin, http://127.0.0.1:<port>: the positive control, allowed as the developer's apps are;
// - a DNS-rebinding page, http://attacker.example:<port>, whose name Chromium resolves to 127.0.0.1.

test.describe.configure({ mode: 'serial' });

const REBIND_HOST = 'attacker.example';
const CONTROL = { [CONTROL_HEADER.name]: CONTROL_HEADER.value };

let broker: Broker;
let demo: Demo;
let foreign: StaticPage;
let local: StaticPage;
let victim: MqttClient;

interface StaticPage {
  url: string;
  close(): Promise<void>;
}

/** An empty page on `host` (the origin scripts run in), with a free port. */
async function servePage(host: string): Promise<StaticPage> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>another page</title><p>nothing here</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test.beforeAll(async () => {
  // The demo builds its page when it starts (cached between runs in this directory).
  test.setTimeout(180_000);
  // --anonymous: the worst case the finding describes, where reaching /mqtt is full access.
  broker = await startBroker({ wsPort: 0, wssPort: false, auth: { anonymous: true }, controlEndpoints: true });
  demo = await startDemo({ port: 0, wsPort: 0, wssPort: false, outDir: join(tmpdir(), 'webmqtt-security-e2e-build') });
  foreign = await servePage('127.0.0.2');
  local = await servePage('127.0.0.1');
});

test.afterAll(async () => {
  await victim?.endAsync(true).catch(() => {});
  await Promise.all([broker?.stop(), demo?.stop(), foreign?.close(), local?.close()]);
});

const httpBase = (wsUrl: string): string => wsUrl.replace(/^ws:/, 'http:').replace(/\/mqtt$/, '');
const port = (url: string): string => new URL(url).port;

/** A live MQTT client on the broker (Node sends no Origin, so it is let in). */
async function liveClient(): Promise<MqttClient> {
  await victim?.endAsync(true).catch(() => {});
  victim = await mqtt.connectAsync(broker.urls.ws, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
  await expect.poll(() => broker.clients).toBe(1);
  return victim;
}

/** `fetch(url, init)` in the page: the status and body when the page may read them, else the error. */
function pageFetch(page: Page, url: string, init: RequestInit = {}): Promise<{ read: true; status: number; body: string } | { read: false; error: string }> {
  return page.evaluate(
    async ([target, options]) => {
      try {
        const res = await fetch(target, options);
        return { read: true as const, status: res.status, body: res.type === 'opaque' ? '' : await res.text() };
      } catch (error) {
        return { read: false as const, error: String(error) };
      }
    },
    [url, init] as const,
  );
}

/** Opens a WebSocket from the page; 'open' or 'error'. */
function pageWebSocket(page: Page, url: string): Promise<'open' | 'error'> {
  return page.evaluate(
    (target) =>
      new Promise<'open' | 'error'>((resolve) => {
        const ws = new WebSocket(target, 'mqtt');
        ws.onopen = () => {
          ws.close();
          resolve('open');
        };
        ws.onerror = () => resolve('error');
      }),
    url,
  );
}

test('a no-cors POST to /__webmqtt/drop from another page drops nobody, whatever its origin', async ({ page }) => {
  const client = await liveClient();
  for (const origin of [foreign.url, local.url]) {
    await page.goto(origin);
    // An opaque answer: the page learns nothing, but the request reached the broker and was answered.
    const sent = await pageFetch(page, `${httpBase(broker.urls.ws)}${CONTROL_PATHS.drop}`, { method: 'POST', mode: 'no-cors' });
    expect(sent, origin).toMatchObject({ read: true, status: 0 });
    expect(broker.clients, `after a no-cors POST from ${origin}`).toBe(1);
  }
  expect(client.connected).toBe(true);
});

test('/__webmqtt/health cannot be read from another local origin; a loopback page can read it', async ({ page }) => {
  const health = `${httpBase(broker.urls.ws)}${CONTROL_PATHS.health}`;
  await page.goto(foreign.url);
  expect(await pageFetch(page, health)).toMatchObject({ read: false, error: expect.stringMatching(/TypeError/) });
  await page.goto(local.url);
  const allowed = await pageFetch(page, health);
  expect(allowed).toMatchObject({ read: true, status: 200 });
  expect(allowed.read && JSON.parse(allowed.body)).toMatchObject({ status: 'ok' });
});

test('a WebSocket to /mqtt from another local origin is refused; from a loopback page it opens', async ({ page }) => {
  await page.goto(foreign.url);
  expect(await pageWebSocket(page, broker.urls.ws)).toBe('error');
  await page.goto(local.url);
  expect(await pageWebSocket(page, broker.urls.ws)).toBe('open');
});

test.describe('after DNS rebinding (attacker.example resolves to 127.0.0.1)', () => {
  let rebinding: Browser;

  test.beforeAll(async ({ playwright, launchOptions }) => {
    rebinding = await playwright.chromium.launch({
      ...launchOptions,
      args: [...(launchOptions.args ?? []), `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`],
    });
  });

  test.afterAll(async () => {
    await rebinding?.close();
  });

  /**
   * A page in the origin http://attacker.example:<port>, its name now resolving to 127.0.0.1. Its
   * requests to the same name are same-origin for the browser: no CORS, no preflight; only the
   * Host check stands in the way. (The attacker's first copy of the page would come from a public
   * address, whose requests to loopback Chromium's Private Network Access blocks; Firefox and
   * Safari do not. The page is loaded from the rebound name itself, as after a reload, so
   * Chromium sees what those browsers let through.)
   */
  async function rebindingPage(targetPort: string): Promise<Page> {
    const page = await rebinding.newPage();
    // Whatever the server answers (a page before the fix, 403 after), the document has the origin.
    await page.goto(`http://${REBIND_HOST}:${targetPort}/`);
    return page;
  }

  test("the demo's /config.json (the dev token) cannot be read", async () => {
    const page = await rebindingPage(String(demo.port));
    const config = await pageFetch(page, '/config.json');
    expect(config).toMatchObject({ read: true, status: 403 });
    expect(config.read && config.body).not.toContain(demo.token);
    await page.close();
  });

  test('the broker answers neither /__webmqtt/health, nor a drop with the control header, nor a WebSocket', async () => {
    await liveClient();
    const page = await rebindingPage(port(httpBase(broker.urls.ws)));
    expect(await pageFetch(page, CONTROL_PATHS.health)).toMatchObject({ read: true, status: 403 });
    // Same-origin for the browser: a custom header needs no preflight here.
    expect(await pageFetch(page, CONTROL_PATHS.drop, { method: 'POST', headers: CONTROL })).toMatchObject({
      read: true,
      status: 403,
    });
    expect(broker.clients).toBe(1);
    expect(await pageWebSocket(page, `ws://${REBIND_HOST}:${port(broker.urls.ws)}/mqtt`)).toBe('error');
    await page.close();
  });
});

/** A request from Node with a forged Host header (what any rebinding page's requests carry). */
function rebound(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; upgraded: boolean }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      { host: '127.0.0.1', port: target.port, path: target.pathname, method: init.method ?? 'GET', headers: { ...init.headers, host: `${REBIND_HOST}:${target.port}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, upgraded: false }));
      },
    );
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '', upgraded: true });
    });
    req.on('error', reject);
    req.end();
  });
}

test('Node requests with Host: attacker.example are refused by the demo and the broker', async () => {
  await liveClient();
  const config = await rebound(`${demo.url}config.json`);
  expect(config.status).toBe(403);
  expect(config.body).not.toContain(demo.token);
  expect((await rebound(`${httpBase(broker.urls.ws)}${CONTROL_PATHS.health}`)).status).toBe(403);
  expect((await rebound(`${httpBase(broker.urls.ws)}${CONTROL_PATHS.drop}`, { method: 'POST', headers: CONTROL })).status).toBe(403);
  expect(broker.clients).toBe(1);
  const upgrade = await rebound(`${httpBase(broker.urls.ws)}/mqtt`, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      'sec-websocket-protocol': 'mqtt',
    },
  });
  expect(upgrade).toMatchObject({ upgraded: false, status: 403 });
});
