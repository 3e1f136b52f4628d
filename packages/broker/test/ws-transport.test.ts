import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { splitPackets } from '../src/packet-splitter.js';
import { CloseCode, WebSocketDuplex } from '../src/ws-transport.js';
import { nextMessage, useFixtures, waitFor } from './helpers/fixtures.js';
import { connectPacket, packetType, pubackPacket, publishPacket, subscribePacket } from './helpers/mqtt-bytes.js';

/** Just enough of a ws WebSocket to drive the duplex without a network. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  isPaused = false;
  readonly sent: Buffer[] = [];
  readonly sendCallbacks: Array<((error?: Error) => void) | undefined> = [];
  closedWith: number | undefined;
  terminated = false;

  send(data: Buffer, _options: unknown, callback?: (error?: Error) => void): void {
    this.sent.push(Buffer.from(data));
    this.sendCallbacks.push(callback);
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
  }
}

function duplexOver(socket: FakeSocket): WebSocketDuplex {
  return new WebSocketDuplex(socket as unknown as WebSocket);
}

/** Writes `chunks` the way mqtt-packet does: corked, uncorked on the next tick. */
async function corkedWrite(stream: WebSocketDuplex, chunks: Buffer[]): Promise<void> {
  stream.cork();
  for (const chunk of chunks) stream.write(chunk);
  await new Promise<void>((resolve) => process.nextTick(resolve));
  stream.uncork();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('WebSocketDuplex', () => {
  const publish = publishPacket('a/b', 'hello');

  it('sends the chunks of one packet as a single frame', async () => {
    const socket = new FakeSocket();
    await corkedWrite(duplexOver(socket), [publish.subarray(0, 1), publish.subarray(1, 2), publish.subarray(2, 7), publish.subarray(7)]);
    expect(socket.sent).toEqual([publish]);
  });

  it('sends two packets written in the same batch as two frames', async () => {
    const socket = new FakeSocket();
    const second = publishPacket('c', 'world');
    await corkedWrite(duplexOver(socket), [publish.subarray(0, 3), publish.subarray(3), second.subarray(0, 2), second.subarray(2)]);
    expect(socket.sent).toEqual([publish, second]);
  });

  it('holds back an unfinished packet until its remaining bytes arrive', async () => {
    const socket = new FakeSocket();
    const stream = duplexOver(socket);
    await corkedWrite(stream, [publish.subarray(0, 4)]);
    expect(socket.sent).toEqual([]);
    await corkedWrite(stream, [publish.subarray(4)]);
    expect(socket.sent).toEqual([publish]);
  });

  it('holds the write callback while ws has a backlog, releasing it when the frame is flushed', async () => {
    const socket = new FakeSocket();
    const stream = duplexOver(socket);
    socket.bufferedAmount = stream.writableHighWaterMark + 1;
    let written = false;
    stream.write(publish, () => {
      written = true;
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(socket.sent).toHaveLength(1);
    expect(written).toBe(false);
    socket.sendCallbacks[0]?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(written).toBe(true);
  });

  it('pushes binary messages to the readable side and pauses ws when the reader lags', async () => {
    const socket = new FakeSocket();
    const stream = duplexOver(socket);
    socket.emit('message', Buffer.alloc(stream.readableHighWaterMark + 1), true);
    expect(socket.isPaused).toBe(true);
    stream.read();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(socket.isPaused).toBe(false);
  });

  it('closes with 1003 on a text frame', () => {
    const socket = new FakeSocket();
    const stream = duplexOver(socket);
    stream.on('error', () => {});
    socket.emit('message', Buffer.from('hi'), false);
    expect(stream.destroyed).toBe(true);
    expect(socket.closedWith).toBe(CloseCode.UNSUPPORTED_DATA);
  });

  it('ends the readable side when the socket closes, keeping bytes already received', async () => {
    const socket = new FakeSocket();
    const stream = duplexOver(socket);
    const received: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<void>((resolve) => stream.once('end', () => resolve()));
    socket.emit('message', Buffer.from([0xe0, 0x00]), true); // DISCONNECT
    socket.emit('close', 1000);
    await ended;
    expect(Buffer.concat(received)).toEqual(Buffer.from([0xe0, 0x00]));
  });

  it('fails writes once the socket is no longer open', async () => {
    const socket = new FakeSocket();
    const stream = duplexOver(socket);
    socket.readyState = 3;
    stream.on('error', () => {});
    const error = await new Promise<Error | null | undefined>((resolve) => stream.write(publish, resolve));
    expect(error?.message).toMatch(/not open/);
  });
});

describe('MQTT over WebSocket through the broker', () => {
  const fx = useFixtures();

  async function rawSubscriber(url: string) {
    const raw = await fx.raw(url);
    raw.send(connectPacket({ clientId: 'raw-sub' }));
    await raw.waitForFrames(1);
    raw.send(subscribePacket(1, 'frames/#', 1));
    await raw.waitForFrames(2);
    expect(raw.frames.map(packetType)).toEqual([2, 9]); // CONNACK, SUBACK
    raw.frames.length = 0;
    return raw;
  }

  it('delivers every PUBLISH as exactly one WebSocket frame', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const raw = await rawSubscriber(broker.urls.ws);
    const publisher = await fx.connect(broker.urls.ws);
    const count = 20;
    for (let i = 0; i < count; i++) {
      await publisher.publishAsync(`frames/${i}`, `payload-${i}`.repeat(i + 1), { qos: i % 2 === 0 ? 0 : 1 });
    }
    await raw.waitForFrames(count);
    // Stray extra frames would land before this marker's frame.
    const marker = await fx.connect(broker.urls.ws);
    await marker.publishAsync('frames/end', 'end', { qos: 0 });
    await raw.waitForFrames(count + 1);
    expect(raw.frames).toHaveLength(count + 1);
    for (const frame of raw.frames) {
      const { packets, rest } = splitPackets(frame);
      expect(packets).toHaveLength(1);
      expect(rest).toHaveLength(0);
      expect(packetType(frame)).toBe(3);
    }
  });

  it('accepts a PUBLISH split over several frames and several PUBLISHes in one frame', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const subscriber = await fx.connect(broker.urls.ws);
    await subscriber.subscribeAsync('split/#');
    const raw = await fx.raw(broker.urls.ws);
    raw.send(connectPacket({ clientId: 'raw-pub' }));
    await raw.waitForFrames(1);
    const one = publishPacket('split/one', 'first');
    raw.send(one.subarray(0, 5));
    raw.send(one.subarray(5));
    raw.send(Buffer.concat([publishPacket('split/two', 'second'), publishPacket('split/three', 'third', 1, 7)]));
    expect((await nextMessage(subscriber, 'split/one')).payload).toBe('first');
    expect((await nextMessage(subscriber, 'split/two')).payload).toBe('second');
    expect((await nextMessage(subscriber, 'split/three')).payload).toBe('third');
    await raw.waitForFrames(2);
    expect([...raw.frames[1]!]).toEqual([...pubackPacket(7)]);
  });

  it.each([
    ['a garbage binary frame', (raw: { send(d: Buffer | string, b?: boolean): void }) => raw.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))],
    ['a text frame', (raw: { send(d: Buffer | string, b?: boolean): void }) => raw.send('CONNECT please', false)],
    ['a SUBSCRIBE before CONNECT', (raw: { send(d: Buffer | string, b?: boolean): void }) => raw.send(subscribePacket(1, 'x', 0))],
  ])('closes only the socket that sends %s', async (_name, misbehave) => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const good = await fx.connect(broker.urls.ws, { clientId: 'good' });
    await good.subscribeAsync('still/alive');
    const bad = await fx.raw(broker.urls.ws);
    misbehave(bad);
    await bad.closed;
    const received = nextMessage(good, 'still/alive');
    await good.publishAsync('still/alive', 'yes');
    expect((await received).payload).toBe('yes');
    expect(good.connected).toBe(true);
  });

  it('closes a connection whose message exceeds maxPacketSize, leaving others connected', async () => {
    const broker = await fx.broker({ auth: { anonymous: true }, maxPacketSize: 1024 });
    const good = await fx.connect(broker.urls.ws, { clientId: 'good' });
    const big = await fx.raw(broker.urls.ws);
    big.send(connectPacket({ clientId: 'big' }));
    await big.waitForFrames(1);
    big.send(publishPacket('t', Buffer.alloc(2048)));
    expect((await big.closed).code).toBe(1009);
    await waitFor(() => broker.clients === 1, 2_000, 'the oversized client to be dropped');
    expect(good.connected).toBe(true);
  });

  it('answers with the mqtt subprotocol, and mqttv3.1 when only that is offered', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    expect((await fx.raw(broker.urls.ws)).ws.protocol).toBe('mqtt');
    const { WebSocket: Ws } = await import('ws');
    const legacy = new Ws(broker.urls.ws, ['mqttv3.1']);
    await new Promise((resolve, reject) => legacy.once('open', resolve).once('error', reject));
    expect(legacy.protocol).toBe('mqttv3.1');
    legacy.terminate();
  });
});
