import { afterEach, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { BatchingSocket, type WebSocketLike } from '../src/connection/batching-socket';
import { MAX_WS_MESSAGE_BYTES, batchingSocketFactory } from '../src/connection/mqtt-factory';
import { systemClock } from '../src/core/clock';
import { createClient } from '../src/client';

type Listener = (event: any) => void;

/** A browser WebSocket that records what is sent; `deliver()` plays what a broker would send. */
class FakeSocket implements WebSocketLike {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readyState = 1;
  binaryType = 'blob';
  bufferedAmount = 0;
  protocol = 'mqtt';
  sent: Array<Uint8Array | string> = [];
  closed = false;
  readonly listeners = new Map<string, Listener[]>();
  constructor(readonly url = 'ws://x/mqtt') {}
  send(data: ArrayBuffer | Uint8Array<ArrayBuffer> | string): void {
    if (this.readyState === 0) throw new Error('InvalidStateError');
    // A real send() copies: so does the fake, so a reused buffer cannot fool the test.
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(ArrayBuffer.isView(data) ? data.slice() : data.slice(0)));
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  addEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  removeEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, (this.listeners.get(type) ?? []).filter((f) => f !== fn));
  }
  dispatch(type: string, event: unknown): void {
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
  get bytes(): number[] {
    return this.sent.flatMap((m) => (typeof m === 'string' ? [] : [...m]));
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const bytes = (...values: number[]): Uint8Array<ArrayBuffer> => new Uint8Array(values);

describe('BatchingSocket: what leaves', () => {
  it('joins the small writes of one task into one WebSocket message, in order', async () => {
    const ws = new FakeSocket();
    const socket = new BatchingSocket(ws, { maxMessageBytes: 1024 });
    socket.send(bytes(1, 2));
    socket.send(bytes(3));
    socket.send(bytes(4, 5, 6).buffer);
    expect(ws.sent).toHaveLength(0);
    await tick();
    expect(ws.sent).toEqual([bytes(1, 2, 3, 4, 5, 6)]);
  });

  it('never sends a message over maxMessageBytes: a large write is split, small ones fill up to the limit', async () => {
    const ws = new FakeSocket();
    const socket = new BatchingSocket(ws, { maxMessageBytes: 100 });
    const written: number[] = [];
    const write = (length: number): void => {
      const chunk = Uint8Array.from({ length }, (_, i) => (written.length + i) % 251);
      written.push(...chunk);
      socket.send(chunk);
    };
    for (let i = 0; i < 30; i++) write(7);
    write(1_000);
    for (let i = 0; i < 30; i++) write(13);
    await tick();
    expect(Math.max(...ws.sent.map((m) => (m as Uint8Array).byteLength))).toBeLessThanOrEqual(100);
    expect(ws.bytes).toEqual(written);
    expect(ws.sent.length).toBeLessThan(30);
  });

  it('copies what it holds: a buffer reused by the caller after send() does not change what goes out', async () => {
    const ws = new FakeSocket();
    const socket = new BatchingSocket(ws, { maxMessageBytes: 64 });
    const reused = bytes(1, 1);
    socket.send(reused);
    reused.fill(2);
    socket.send(reused);
    await tick();
    expect(ws.sent).toEqual([bytes(1, 1, 2, 2)]);
  });

  it('sends what is pending before a text message and before close()', async () => {
    const ws = new FakeSocket();
    const socket = new BatchingSocket(ws, { maxMessageBytes: 64 });
    socket.send(bytes(1));
    socket.send('text');
    socket.send(bytes(2));
    socket.close();
    expect(ws.sent).toEqual([bytes(1), 'text', bytes(2)]);
    expect(ws.closed).toBe(true);
    await tick();
    expect(ws.sent).toHaveLength(3);
  });

  it('counts what it holds in bufferedAmount (MQTT.js checks it for back-pressure)', () => {
    const ws = new FakeSocket();
    ws.bufferedAmount = 10;
    const socket = new BatchingSocket(ws, { maxMessageBytes: 64 });
    socket.send(bytes(1, 2, 3));
    expect(socket.bufferedAmount).toBe(13);
  });
});

describe('BatchingSocket: what arrives', () => {
  const message = (...values: number[]) => ({ data: bytes(...values).buffer });

  it('hands messages of one batch to the listener as one, in order', () => {
    const ws = new FakeSocket();
    const later: Array<() => void> = [];
    const socket = new BatchingSocket(ws, { maxMessageBytes: 64, deliverLater: (fn) => later.push(fn) });
    const got: number[][] = [];
    socket.addEventListener('message', (e) => got.push([...new Uint8Array(e.data)]));
    ws.dispatch('message', message(1, 2));
    ws.dispatch('message', message(3));
    expect(got).toEqual([]);
    expect(later).toHaveLength(1);
    later[0]!();
    expect(got).toEqual([[1, 2, 3]]);
  });

  it('hands over what arrived before the close event, then the close', () => {
    const ws = new FakeSocket();
    const socket = new BatchingSocket(ws, { maxMessageBytes: 64, deliverLater: () => {} });
    const log: string[] = [];
    socket.addEventListener('message', (e) => log.push(`message ${new Uint8Array(e.data).length}`));
    socket.addEventListener('close', () => log.push('close'));
    ws.dispatch('message', message(1, 2, 3));
    ws.dispatch('close', { code: 1006 });
    expect(log).toEqual(['message 3', 'close']);
  });

  it('passes open and error through, and stops calling a removed listener', () => {
    const ws = new FakeSocket();
    const socket = new BatchingSocket(ws, { maxMessageBytes: 64 });
    const log: string[] = [];
    const onOpen = (): void => void log.push('open');
    socket.addEventListener('open', onOpen);
    socket.addEventListener('error', () => log.push('error'));
    ws.dispatch('open', {});
    socket.removeEventListener('open', onOpen);
    ws.dispatch('open', {});
    ws.dispatch('error', {});
    expect(log).toEqual(['open', 'error']);
  });
});

describe('batchingSocketFactory', () => {
  it('gives no socket factory outside a browser (MQTT.js keeps its own transport)', () => {
    expect(batchingSocketFactory({ clientId: 'a' }, systemClock)).toBeUndefined();
  });
});

describe('a publish burst through MQTT.js and the default factory', () => {
  const saved = { window: (globalThis as any).window, WebSocket: (globalThis as any).WebSocket };
  afterEach(() => {
    (globalThis as any).window = saved.window;
    (globalThis as any).WebSocket = saved.WebSocket;
  });

  it.each([
    { count: 20_000, size: 64 },
    // 256 messages per event-loop turn of 1 KB each: the bursts alone would not bound the messages.
    { count: 2_000, size: 1024 },
  ])('of $count × $size B leaves as WebSocket messages of at most 64 KB, every PUBLISH complete and in order', async ({ count, size }) => {
    const sockets: BrokerSocket[] = [];
    /** A browser WebSocket in front of a tiny broker: CONNACK, SUBACK; records the PUBLISH packets. */
    class BrokerSocket extends FakeSocket {
      readonly publishes: Array<{ topic: string; payload: Buffer }> = [];
      private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
      constructor(url: string) {
        super(url);
        this.readyState = 0;
        sockets.push(this);
        this.parser.on('packet', (packet: any) => {
          if (packet.cmd === 'connect') this.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
          if (packet.cmd === 'publish') this.publishes.push({ topic: packet.topic, payload: packet.payload });
        });
        setTimeout(() => {
          this.readyState = 1;
          this.dispatch('open', {});
        }, 0);
      }
      override send(data: ArrayBuffer | Uint8Array<ArrayBuffer> | string): void {
        super.send(data);
        this.parser.parse(Buffer.from(this.sent.at(-1) as Uint8Array));
      }
      private reply(packet: object): void {
        const buf = mqttPacket.generate(packet as never);
        setTimeout(() => this.dispatch('message', { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }), 0);
      }
    }
    // What MQTT.js and the factory look at to pick the browser transport.
    (globalThis as any).window = { document: {} };
    (globalThis as any).WebSocket = BrokerSocket;
    const client = createClient({ url: 'ws://broker.test:8080/mqtt', protocolVersion: 4, browserEvents: false, clientId: 'burst' });
    await client.connect();
    const payload = new Uint8Array(size);
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) {
      new DataView(payload.buffer).setUint32(0, i);
      done.push(client.publish('bench/burst', payload.slice()));
    }
    await Promise.all(done);
    await client.close();
    const ws = sockets[0]!;
    const sizes = ws.sent.map((m) => (m as Uint8Array).byteLength);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_WS_MESSAGE_BYTES);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(count * size);
    expect(ws.publishes).toHaveLength(count);
    expect(ws.publishes.map((p) => p.payload.readUInt32BE(0))).toEqual(Array.from({ length: count }, (_, i) => i));
  }, 30_000);
});
