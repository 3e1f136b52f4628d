import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { test, expect } from './support/fixtures';

// Issue #13, "credentials refused without a CONNACK": production brokers that refuse a bad or expired token by
// closing the WebSocket before any CONNACK (close code 1002 "unauthenticated"; 1008, "not authorized"). In Chromium,
// through the built SDK, against a scriptable server that closes each CONNECT with the form under test: the SDK
// asks the provider again with reason 'rejected' once, then fails with AUTH_FAILED naming the close code and
// reason, with one socket and one token per attempt under 'auto'. And a WebSocket that never opens (an HTTP 404 on
// the upgrade, which a browser cannot see) costs one socket per attempt and reports no packet as sent.
// Runs in the aedes project only (no broker involved).

interface Scripted {
  url: string;
  upgrades: number;
  close(): Promise<void>;
}

/** Accepts the WebSocket upgrade on /mqtt and closes it with `code`/`reason` as soon as the CONNECT arrives. */
async function refusingServer(code: number, reason: string): Promise<Scripted> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/mqtt', handleProtocols: () => 'mqtt' });
  const scripted = { url: '', upgrades: 0, close: async () => {} };
  wss.on('connection', (socket) => {
    scripted.upgrades++;
    socket.once('message', () => socket.close(code, reason));
  });
  scripted.url = `ws://127.0.0.1:${await listen(server)}/mqtt`;
  scripted.close = () => new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())));
  return scripted;
}

/** Answers every WebSocket upgrade with HTTP 404 (a wrong path): the browser's socket never opens. */
async function notFoundServer(): Promise<Scripted> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const scripted = { url: '', upgrades: 0, close: async () => {} };
  server.on('upgrade', (_req, socket) => {
    scripted.upgrades++;
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  scripted.url = `ws://127.0.0.1:${await listen(server)}/wrong`;
  scripted.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return scripted;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts a client in the page with a token provider that records its reasons; resolves to what connect() ended with. */
async function connectOnce(page: Page, options: Record<string, unknown>): Promise<{ result: { code?: string; message?: string }; reasons: string[]; errors: Array<{ code: string; message: string }>; packets: string[]; ms: number }> {
  return page.evaluate(async (options) => {
    const w = window as any;
    const reasons: string[] = [];
    const packets: string[] = [];
    const { client, record } = w.makeHarness({
      ...options,
      auth: { token: async ({ reason }: { reason: string }) => (reasons.push(reason), `token-${reasons.length}`) },
    });
    client.on('packet', ({ direction, packet }: any) => packets.push(`${direction} ${packet.cmd}`));
    const started = performance.now();
    const result = await client.connect().then(() => ({}), (e: any) => ({ code: e.code, message: e.message }));
    const ms = performance.now() - started;
    await client.close();
    return { result, reasons, errors: record.errors, packets, ms };
  }, options);
}

const REFUSALS = [
  { code: 1002, reason: 'unauthenticated' },
  { code: 1008, reason: '' },
  { code: 1008, reason: 'not authorized' },
  { code: 4001, reason: 'not authorized' },
];

for (const { code, reason } of REFUSALS) {
  test(`a close with ${code}${reason ? ` "${reason}"` : ''} before any CONNACK: one fresh token (reason rejected), then failed with AUTH_FAILED naming it; one socket per attempt under 'auto'`, async ({ esmPage }) => {
    const server = await refusingServer(code, reason);
    try {
      const { result, reasons, errors, ms } = await connectOnce(esmPage, { url: server.url, protocolVersion: 'auto', reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
      test.info().annotations.push({ type: 'time to error', description: `${Math.round(ms)} ms` });
      expect(result.code).toBe('AUTH_FAILED');
      expect(result.message).toContain(`close code ${code}${reason ? `, reason "${reason}"` : ''}`);
      expect(reasons).toEqual(['initial', 'rejected']);
      expect(server.upgrades).toBe(2);
      // The first refusal reached `error` listeners; the second is what connect() rejected with.
      expect(errors.map((e) => e.code)).toEqual(['AUTH_FAILED']);
    } finally {
      await server.close();
    }
  });
}

test('a close that is not a refusal (1011 "internal error") is retried, its code and reason in each error', async ({ esmPage }) => {
  const server = await refusingServer(1011, 'internal error');
  try {
    const { result, errors } = await connectOnce(esmPage, { url: server.url, protocolVersion: 5, reconnect: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 2 } });
    expect(result.code).toBe('RECONNECT_EXHAUSTED');
    expect(errors.map((e) => e.code)).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
    expect(errors[0]?.message).toContain('close code 1011, reason "internal error"');
    expect(server.upgrades).toBe(2);
  } finally {
    await server.close();
  }
});

test("an HTTP 404 on the upgrade (the browser's socket never opens) under 'auto': one socket per attempt, no packet reported as sent", async ({ esmPage }) => {
  const server = await notFoundServer();
  try {
    const { result, errors, packets } = await connectOnce(esmPage, { url: server.url, protocolVersion: 'auto', reconnect: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 3 } });
    expect(result.code).toBe('RECONNECT_EXHAUSTED');
    expect(server.upgrades).toBe(3);
    expect(errors).toHaveLength(3);
    expect(errors[0]?.message).toContain('the WebSocket never opened');
    expect(packets).toEqual([]);
  } finally {
    await server.close();
  }
});
