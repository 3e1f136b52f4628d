import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type WebMqttClient } from '../src/client';
import { ErrorCode, isWebMqttError, type WebMqttError } from '../src/core/errors';
import { checkTransport } from '../src/connection/broker-urls';
import type { MqttFactory } from '../src/connection/mqtt-factory';
import { isLocalTarget } from '../src/core/url';
import { flush } from './support/fake-mqtt';
import { harness, track } from './support/harness';

// The security issue's transport findings. Every socket here goes to 127.0.0.1; a URL naming another host is
// rewritten to 127.0.0.1 by the test's factory (toLoopback) at the last moment, so nothing is resolved or sent
// anywhere else.

/** What a capture server on 127.0.0.1 saw: WebSocket upgrade requests, or raw TCP bytes. */
interface Capture {
  port: number;
  upgrades: Array<{ url: string; authorization: string | undefined }>;
  bytes: Buffer;
  close(): Promise<void>;
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An HTTP server that records every WebSocket upgrade request (line and Authorization header), then hangs up. */
async function captureUpgrades(): Promise<Capture> {
  const server = createHttpServer();
  const capture: Capture = { port: 0, upgrades: [], bytes: Buffer.alloc(0), close: () => new Promise((r) => server.close(() => r())) };
  server.on('upgrade', (req: IncomingMessage, socket) => {
    capture.upgrades.push({ url: req.url ?? '', authorization: req.headers.authorization });
    socket.destroy();
  });
  capture.port = await listen(server);
  servers.push(capture.close);
  return capture;
}

/** A TCP server that records every byte it is sent (a plain MQTT listener that never answers). */
async function captureTcp(): Promise<Capture> {
  const server = createTcpServer((socket) => {
    socket.on('data', (chunk) => (capture.bytes = Buffer.concat([capture.bytes, chunk])));
    socket.on('error', () => {});
  });
  const capture: Capture = { port: 0, upgrades: [], bytes: Buffer.alloc(0), close: () => new Promise((r) => server.close(() => r())) };
  capture.port = await listen(server);
  servers.push(capture.close);
  return capture;
}

/** MQTT.js's own Node build, with the WebSocket URL's host `from` replaced by 127.0.0.1 (no DNS, no traffic out). */
function toLoopback(from: string): MqttFactory {
  return async (url, options) => {
    const mqtt = await import('mqtt');
    const transform = options.transformWsUrl!;
    return mqtt.connect(url, { ...options, transformWsUrl: (u, o, c) => transform(u, o, c).replace(from, '127.0.0.1') });
  };
}

async function settle(client: WebMqttClient): Promise<WebMqttError | undefined> {
  const error = await client.connect().then(() => undefined, (e: WebMqttError) => e);
  // Whatever the socket was going to send has been sent by the time the capture server answers it.
  await new Promise((r) => setTimeout(r, 150));
  await client.close();
  return error;
}

const BASIC_DEV_HUNTER2 = `Basic ${Buffer.from('dev:hunter2').toString('base64')}`;

describe('security: every credential needs wss:// off this machine, not only a token', () => {
  it('control: over ws:// to 127.0.0.1 Node\'s ws sends the URL\'s userinfo as Authorization: Basic (what the guard prevents elsewhere)', async () => {
    const capture = await captureUpgrades();
    const client = createClient({ url: `ws://dev:hunter2@127.0.0.1:${capture.port}/mqtt`, reconnect: false, connectTimeoutMs: 2_000, browserEvents: false });
    await settle(client);
    expect(capture.upgrades).toEqual([{ url: '/mqtt', authorization: BASIC_DEV_HUNTER2 }]);
  });

  it('userinfo and ?access_token= over ws:// to another host, with no auth option: INSECURE_TRANSPORT, nothing on the wire', async () => {
    const capture = await captureUpgrades();
    const client = createClient({
      url: `ws://dev:hunter2@broker.example:${capture.port}/mqtt?access_token=tok-1234567890`,
      reconnect: false,
      connectTimeoutMs: 2_000,
      browserEvents: false,
      mqttFactory: toLoopback('broker.example'),
    });
    const error = await settle(client);
    // Before the fix: one upgrade with `authorization: Basic ZGV2Omh1bnRlcjI=` and `/mqtt?access_token=tok-1234567890`.
    expect(capture.upgrades).toEqual([]);
    expect(error?.code).toBe(ErrorCode.INSECURE_TRANSPORT);
    expect(error?.retryable).toBe(false);
    expect(error?.message).toContain('(userinfo, query parameter "access_token")');
    expect(error?.message).not.toContain('hunter2');
    expect(error?.message).not.toContain('tok-1234567890');
    expect(client.state).toBe('closed');
  });

  it.each([
    ['userinfo', 'ws://dev:hunter2@broker.example.com/mqtt', {}],
    ['a username alone in the userinfo', 'ws://dev@broker.example.com/mqtt', {}],
    ['?access_token=', 'ws://broker.example.com/mqtt?access_token=abc', {}],
    ['?password=', 'ws://broker.example.com/mqtt?v=1&password=abc', {}],
    ['?X-Amz-Security-Token=', 'ws://broker.example.com/mqtt?X-Amz-Security-Token=abc', {}],
    ['a static password', 'ws://broker.example.com/mqtt', { username: 'u', password: 'p' }],
    ['a static binary password', 'ws://broker.example.com/mqtt', { password: new Uint8Array([1]) }],
    ['properties.authenticationData', 'ws://broker.example.com/mqtt', { properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: new Uint8Array([1, 2, 3]) } }],
  ])('refuses %s over ws:// to a remote host without opening anything', async (_what, url, extra) => {
    const h = harness({ url, ...extra });
    const done = track(h.client.connect());
    await flush();
    expect(done.state).toBe('rejected');
    expect(done.error.code).toBe(ErrorCode.INSECURE_TRANSPORT);
    expect(h.client.state).toBe('failed');
    expect(h.factoryCalls).toBe(0);
  });

  it('names the configured auth.queryParam among the credentials it refused to send', async () => {
    const h = harness({ url: 'ws://broker.example.com/mqtt?sso=abc', auth: { token: 't', placement: 'query', queryParam: 'sso' } });
    const done = track(h.client.connect());
    await flush();
    expect(done.error.code).toBe(ErrorCode.INSECURE_TRANSPORT);
    expect(done.error.message).toContain('credentials (query parameter "sso", auth.token)');
  });

  it('still allows ws:// to a remote host with nothing secret in it, and any credential with allowInsecureAuth or over wss://', async () => {
    for (const options of [
      { url: 'ws://broker.example.com/mqtt?v=1&clientVersion=2' },
      { url: 'ws://dev:hunter2@broker.example.com/mqtt?access_token=abc', allowInsecureAuth: true },
      { url: 'wss://dev:hunter2@broker.example.com/mqtt?access_token=abc', auth: { token: 't' } },
    ]) {
      const h = harness(options);
      await h.connectNow();
      expect(h.client.state).toBe('connected');
    }
  });

  it('ignores a Server Reference to plain ws:// on another host while the URL carries credentials', async () => {
    const h = harness({ url: 'ws://dev:hunter2@127.0.0.1:8084/mqtt' });
    await h.connectNow();
    h.fake.serverDisconnect(0x9d, { serverReference: 'ws://dev:hunter2@broker.example.com/mqtt' });
    await flush();
    await h.clock.tick(60_000);
    expect(h.fake.urls.every((u) => u.includes('127.0.0.1'))).toBe(true);
  });
});

describe('security: which hosts count as this machine', () => {
  it('outside a browser only localhost and loopback IP literals: *.localhost and localhost. go through DNS', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.8.7', '[::1]', '[::ffff:7f00:1]']) expect(isLocalTarget(host, false), host).toBe(true);
    for (const host of ['evil.localhost', 'a.b.localhost', 'localhost.', 'app.localhost.', 'localhost.example.com']) expect(isLocalTarget(host, false), host).toBe(false);
  });

  it('in a browser also *.localhost and localhost., which the browser answers with loopback itself', () => {
    for (const host of ['localhost', 'app.localhost', 'localhost.', '127.0.0.1', '[::1]']) expect(isLocalTarget(host, true), host).toBe(true);
    expect(isLocalTarget('localhost.example.com', true)).toBe(false);
  });

  it('in Node.js a token over ws://evil.localhost is refused (the guard reads the runtime)', async () => {
    const h = harness({ url: 'ws://evil.localhost:8084/mqtt', auth: { token: 'secret-token' } });
    const done = track(h.client.connect());
    await flush();
    expect(done.error.code).toBe(ErrorCode.INSECURE_TRANSPORT);
    expect(h.factoryCalls).toBe(0);
    expect(() => checkTransport('ws://localhost.:8084/mqtt', { auth: undefined, properties: undefined, password: undefined, allowInsecureAuth: false }, false)).not.toThrow();
    expect(() => checkTransport('ws://u:p@localhost.:8084/mqtt', { auth: undefined, properties: undefined, password: undefined, allowInsecureAuth: false }, false)).toThrow(/INSECURE|unencrypted/);
    expect(() => checkTransport('ws://u:p@localhost.:8084/mqtt', { auth: undefined, properties: undefined, password: undefined, allowInsecureAuth: false }, true)).not.toThrow();
  });
});

describe('security: tls takes TLS settings only, never the transport', () => {
  it('tls { protocol: "mqtt", port } on a wss:// URL: INVALID_OPTIONS naming the known keys, no plain TCP CONNECT with the token', async () => {
    const tcp = await captureTcp();
    const token = 'tok-tls-bypass-1234567890';
    let error: unknown;
    let client: WebMqttClient | undefined;
    try {
      client = createClient({
        url: 'wss://127.0.0.1:9/mqtt',
        protocolVersion: 4,
        reconnect: false,
        connectTimeoutMs: 2_000,
        browserEvents: false,
        auth: { token },
        tls: { protocol: 'mqtt', port: tcp.port } as never,
      });
    } catch (e) {
      error = e;
    }
    if (client) await settle(client);
    // Before the fix: MQTT.js took protocol and port from the spread tls object and sent CONNECT, token in clear, over TCP.
    expect(tcp.bytes.includes(token)).toBe(false);
    expect(tcp.bytes.length).toBe(0);
    expect(isWebMqttError(error)).toBe(true);
    const e = error as WebMqttError;
    expect(e.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(e.field).toBe('tls.protocol');
    for (const known of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'minVersion']) expect(e.message).toContain(known);
  });

  it.each(['host', 'hostname', 'port', 'path', 'servers', 'wsOptions', 'createWebsocket', 'username', 'password', 'clientId', 'properties'])(
    'tls.%s is refused',
    (key) => {
      expect(() => createClient({ url: 'wss://broker.example.com/mqtt', tls: { [key]: 'x' } as never })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS, field: `tls.${key}` }));
    },
  );

  it('hands the known keys to ws (Node\'s tls.connect) and nothing else to MQTT.js; an absent key stays absent', async () => {
    const seen = vi.fn();
    const factory: MqttFactory = (url, options) => {
      seen(options);
      throw new Error('stop here');
    };
    const client = createClient({ url: 'wss://broker.example.com/mqtt', reconnect: false, mqttFactory: factory, tls: { ca: 'CA', servername: 'b.internal', minVersion: 'TLSv1.3' } });
    await client.connect().catch(() => {});
    const options = seen.mock.calls[0]![0] as Record<string, unknown>;
    expect(options['wsOptions']).toEqual({ ca: 'CA', servername: 'b.internal', minVersion: 'TLSv1.3' });
    expect(Object.keys(options['wsOptions'] as object)).not.toContain('rejectUnauthorized');
    for (const key of ['ca', 'servername', 'minVersion', 'protocol', 'port', 'host']) expect(options).not.toHaveProperty(key);
  });

  it('checks the type of each TLS setting without echoing it', () => {
    for (const [tls, field] of [
      [{ ca: 42 }, 'tls.ca'],
      [{ key: [42] }, 'tls.key'],
      [{ passphrase: 1234 }, 'tls.passphrase'],
      [{ rejectUnauthorized: 'no' }, 'tls.rejectUnauthorized'],
      [{ minVersion: 13 }, 'tls.minVersion'],
    ] as const) {
      let error: WebMqttError | undefined;
      try {
        createClient({ url: 'wss://broker.example.com/mqtt', tls: tls as never });
      } catch (e) {
        error = e as WebMqttError;
      }
      expect(error?.field).toBe(field);
      expect(error?.message).not.toMatch(/1234|"no"|42|13/);
    }
  });
});
