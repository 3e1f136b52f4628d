import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import mqttPacket from 'mqtt-packet';
import { generate } from 'selfsigned';
import { createClient, type WebMqttClient } from '../src/client';
import { ErrorCode, type WebMqttError } from '../src/core/errors';
import type { PacketTrace, StateChange } from '../src/core/events';

// Issue #13 in Node.js, with MQTT.js's own Node transport (ws, tls) and real servers on 127.0.0.1: what no retry
// can fix fails at once with a code that names it; static credentials reach the broker; close() logs its DISCONNECT.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function track(client: WebMqttClient): { errors: WebMqttError[]; states: StateChange[]; packets: PacketTrace[] } {
  const seen = { errors: [] as WebMqttError[], states: [] as StateChange[], packets: [] as PacketTrace[] };
  client.on('error', (e) => seen.errors.push(e));
  client.on('state', (s) => seen.states.push(s));
  client.on('packet', (p) => seen.packets.push(p));
  cleanups.push(() => client.close());
  return seen;
}

/** connect() to its end: the error and how long it took. */
async function outcome(client: WebMqttClient): Promise<{ error: WebMqttError | undefined; ms: number }> {
  const started = Date.now();
  const error = await client.connect().then(() => undefined, (e: WebMqttError) => e);
  return { error, ms: Date.now() - started };
}

/**
 * A scriptable MQTT-over-WebSocket server: parses what clients send (mqtt-packet), answers through `answer`.
 * Records every upgrade and every packet.
 */
async function mqttServer(answer: (packet: mqttPacket.Packet, socket: WebSocket) => void) {
  const server = createHttpServer();
  const wss = new WebSocketServer({ server, path: '/mqtt' });
  const seen = { upgrades: 0, packets: [] as mqttPacket.Packet[] };
  wss.on('connection', (socket) => {
    seen.upgrades++;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      seen.packets.push(packet);
      answer(packet, socket);
    });
    parser.on('error', () => socket.terminate());
    socket.on('message', (data) => parser.parse(data as Buffer));
  });
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const port = await listen(server);
  return { url: `ws://127.0.0.1:${port}/mqtt`, seen };
}

const send = (socket: WebSocket, packet: Record<string, unknown>) => socket.send(mqttPacket.generate(packet as never, { protocolVersion: 4 }));

describe('Node.js: failures no retry can fix end at once with a named code', () => {
  it('HTTP 404 on the upgrade: HANDSHAKE_REJECTED after one request, even under auto', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(404).end('not here'));
    let upgrades = 0;
    server.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    const port = await listen(server);
    const client = createClient({ url: `ws://127.0.0.1:${port}/wrong`, browserEvents: false });
    const seen = track(client);
    const { error, ms } = await outcome(client);
    expect(error?.code).toBe(ErrorCode.HANDSHAKE_REJECTED);
    expect(error?.message).toContain('HTTP 404');
    expect(client.state).toBe('failed');
    expect(upgrades).toBe(1);
    expect(ms).toBeLessThan(5_000);
    // connect() rejected with it: nothing on `error`; no CONNECT reported on a socket that never opened.
    expect(seen.errors).toEqual([]);
    expect(seen.packets).toEqual([]);
  });

  it('a certificate the CA does not sign: TLS_FAILED after one attempt', async () => {
    const made = await generate([{ name: 'commonName', value: 'localhost' }], { algorithm: 'sha256', keyType: 'ec' });
    const other = await generate([{ name: 'commonName', value: 'some other CA' }], { algorithm: 'sha256', keyType: 'ec' });
    const server = createHttpsServer({ key: made.private, cert: made.cert });
    let connections = 0;
    server.on('secureConnection', () => connections++);
    const port = await listen(server as unknown as HttpServer);
    const client = createClient({ url: `wss://localhost:${port}/mqtt`, browserEvents: false, tls: { ca: other.cert } });
    track(client);
    const { error, ms } = await outcome(client);
    expect(error?.code).toBe(ErrorCode.TLS_FAILED);
    expect(error?.message).toMatch(/tls\.ca/);
    expect(ms).toBeLessThan(5_000);
    expect(client.state).toBe('failed');
    expect(connections).toBe(0);
  });

  it('a WebSocket server that answers with something that is not MQTT: PROTOCOL_ERROR, not a 10 s connect timeout', async () => {
    const server = createHttpServer();
    const wss = new WebSocketServer({ server, path: '/mqtt' });
    wss.on('connection', (socket) => socket.on('message', () => socket.send(Buffer.from('HTTP/1.1 200 OK\r\n\r\nhello'))));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const port = await listen(server);
    const client = createClient({ url: `ws://127.0.0.1:${port}/mqtt`, protocolVersion: 4, browserEvents: false });
    track(client);
    const { error, ms } = await outcome(client);
    expect(error?.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(ms).toBeLessThan(5_000);
  });

  it('a port where nothing listens is transient: retried, each attempt\'s reason on `error`, then RECONNECT_EXHAUSTED', async () => {
    const server = createHttpServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = createClient({ url: `ws://127.0.0.1:${port}/mqtt`, browserEvents: false, reconnect: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 3 } });
    const seen = track(client);
    const { error, ms } = await outcome(client);
    expect(error?.code).toBe(ErrorCode.RECONNECT_EXHAUSTED);
    expect(error?.message).toContain('after 3 attempts');
    expect(seen.errors.map((e) => e.code)).toEqual([ErrorCode.CONNECTION_REFUSED, ErrorCode.CONNECTION_REFUSED, ErrorCode.CONNECTION_REFUSED]);
    expect(seen.errors[0]?.message).toContain('ECONNREFUSED');
    expect(ms).toBeLessThan(5_000);
  });
});

describe('Node.js: static credentials and the packet log', () => {
  it('sends the seed\'s username (password null) and a binary password, shows the username and redacts the password', async () => {
    const server = await mqttServer((packet, socket) => {
      if (packet.cmd === 'connect') send(socket, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    });
    const seed = createClient({ url: server.url, clean: true, clientId: 'tbmq_websockets_client_id', username: 'tbmq_websockets_username', password: null, protocolVersion: 4, browserEvents: false });
    const seen = track(seed);
    await seed.connect();
    const bytes = createClient({ url: server.url, username: 'device', password: new Uint8Array([0, 1, 254, 255]), protocolVersion: 4, browserEvents: false });
    track(bytes);
    await bytes.connect();
    const connects = server.seen.packets.filter((p): p is mqttPacket.IConnectPacket => p.cmd === 'connect');
    expect(connects.map((c) => [c.clientId, c.username, c.password === undefined ? undefined : [...(c.password as Buffer)]])).toEqual([
      ['tbmq_websockets_client_id', 'tbmq_websockets_username', undefined],
      [bytes.clientId, 'device', [0, 1, 254, 255]],
    ]);
    const logged = seen.packets.find((p) => p.packet['cmd'] === 'connect')!.packet;
    expect(logged['username']).toBe('tbmq_websockets_username');
  });

  it('close() with a QoS 1 publish unacknowledged: the DISCONNECT goes out at once, is logged before closed, and the publish rejects', async () => {
    const server = await mqttServer((packet, socket) => {
      if (packet.cmd === 'connect') send(socket, { cmd: 'connack', returnCode: 0, sessionPresent: false });
      // No PUBACK, ever.
    });
    const client = createClient({ url: server.url, protocolVersion: 4, browserEvents: false });
    const order: string[] = [];
    client.on('packet', (p) => order.push(`${p.direction} ${String(p.packet['cmd'])}`));
    client.on('state', (s) => order.push(`state ${s.current}`));
    await client.connect();
    const publish = client.publish('a/b', 'x', { qos: 1 }).then(() => 'resolved', (e: WebMqttError) => e.code);
    await expect.poll(() => server.seen.packets.some((p) => p.cmd === 'publish')).toBe(true);
    const started = Date.now();
    await client.close();
    expect(Date.now() - started).toBeLessThan(900);
    expect(await publish).toBe(ErrorCode.CLIENT_CLOSED);
    expect(order.slice(-2)).toEqual(['out disconnect', 'state closed']);
    await expect.poll(() => server.seen.packets.some((p) => p.cmd === 'disconnect')).toBe(true);
  });

  it('payloads are Uint8Array in both directions of the packet log', async () => {
    const server = await mqttServer((packet, socket) => {
      if (packet.cmd === 'connect') send(socket, { cmd: 'connack', returnCode: 0, sessionPresent: false });
      if (packet.cmd === 'subscribe') send(socket, { cmd: 'suback', messageId: packet.messageId, granted: [0] });
      if (packet.cmd === 'publish') send(socket, { cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: 0, retain: false, dup: false });
    });
    const client = createClient({ url: server.url, protocolVersion: 4, browserEvents: false });
    const seen = track(client);
    await client.connect();
    const got = new Promise<void>((resolve) => void client.subscribe('t', () => resolve()));
    await client.publish('t', 'Hello World');
    await got;
    const publishes = seen.packets.filter((p) => p.packet['cmd'] === 'publish');
    expect(publishes.map((p) => [p.direction, (p.packet['payload'] as Uint8Array).constructor.name])).toEqual([
      ['out', 'Uint8Array'],
      ['in', 'Uint8Array'],
    ]);
  });
});
