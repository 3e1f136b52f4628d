import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { startBroker, type Broker, type BrokerOptions } from '../../src/index.js';

/**
 * Per-test resources: brokers and clients started through these helpers are closed after each
 * test, temp directories after the file.
 */
export function useFixtures() {
  const brokers: Broker[] = [];
  const clients: MqttClient[] = [];
  const sockets: WebSocket[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
    for (const s of sockets.splice(0)) s.terminate();
    await Promise.all(brokers.splice(0).map((b) => b.stop()));
  });
  afterAll(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  const fixtures = {
    async tempDir(): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'webmqtt-broker-test-'));
      dirs.push(dir);
      return dir;
    },

    /** A broker on free ports; WSS off unless asked for (then with a temp cert dir). */
    async broker(options: BrokerOptions = {}): Promise<Broker> {
      const wantsWss = options.wssPort !== undefined && options.wssPort !== false;
      const broker = await startBroker({
        wsPort: 0,
        wssPort: false,
        ...(wantsWss && options.certDir === undefined ? { certDir: await fixtures.tempDir() } : {}),
        ...options,
      });
      brokers.push(broker);
      return broker;
    },

    /** MQTT.js client that does not retry, so a refusal shows up as a rejection. */
    async connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
      const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
      clients.push(client);
      // Record messages from the start: a queued one may arrive right behind the CONNACK.
      const inbox: Received[] = [];
      inboxes.set(client, inbox);
      client.on('message', (topic, payload, packet) => {
        inbox.push({ topic, payload: payload.toString(), retain: packet.retain === true, qos: packet.qos ?? 0 });
        for (const w of inboxWaiters.get(client)?.splice(0) ?? []) w();
      });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('closed before CONNACK')));
      });
      return client;
    },

    /** Connects and expects a refusal; resolves with the CONNACK return code (or the error). */
    async refusal(url: string, options: IClientOptions = {}): Promise<{ code: unknown; error: Error }> {
      try {
        await fixtures.connect(url, options);
      } catch (error) {
        return { code: (error as { code?: unknown }).code, error: error as Error };
      }
      throw new Error('expected the connection to be refused');
    },

    /** A raw WebSocket speaking the `mqtt` subprotocol, recording every frame it gets. */
    async raw(url: string, options: ClientOptions = {}): Promise<RawClient> {
      const ws = new WebSocket(url, ['mqtt'], options);
      sockets.push(ws);
      const client = new RawClient(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return client;
    },
  };
  return fixtures;
}

/** A raw WebSocket client that records frames and how the socket closed. */
export class RawClient {
  readonly frames: Buffer[] = [];
  readonly textFrames: string[] = [];
  readonly closed: Promise<{ code: number }>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.frames.push(data as Buffer);
      else this.textFrames.push(String(data));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  send(data: Buffer | string, binary = true): void {
    this.ws.send(data, { binary });
  }

  /** Resolves once at least `count` binary frames have arrived in total. */
  async waitForFrames(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} frames, got ${this.frames.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Polls `check` until it is true; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

const inboxes = new WeakMap<MqttClient, Received[]>();
const inboxWaiters = new WeakMap<MqttClient, Array<() => void>>();

/** The oldest not yet consumed message on `topic` that `client` (from `connect()`) received. */
export async function nextMessage(client: MqttClient, topic: string, timeoutMs = 5_000): Promise<Omit<Received, 'topic'>> {
  const inbox = inboxes.get(client);
  if (!inbox) throw new Error('nextMessage() needs a client made by connect()');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const index = inbox.findIndex((m) => m.topic === topic);
    if (index >= 0) {
      const [message] = inbox.splice(index, 1);
      const { topic: _topic, ...rest } = message!;
      return rest;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no message on ${topic}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      const waiters = inboxWaiters.get(client) ?? [];
      inboxWaiters.set(client, waiters);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Resolves when `client` loses its connection. */
export function closeOf(client: MqttClient, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('client was not disconnected')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
