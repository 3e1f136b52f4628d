import { Buffer as NodeBuffer } from 'node:buffer';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Buffer } from '../../src/engine/buffer';
import { WebSocketDuplex } from '../../src/engine/ws-duplex';
import { FakeSocket } from './fake-socket';
import { loadMqttPacketOverStandIns } from './mqtt-packet-over-stand-ins';

/** A setTimeout that only records; `run()` fires what is due now (what was scheduled before the call). */
class ManualTimers {
  scheduled: Array<{ fn: () => void; ms: number }> = [];
  readonly setTimeout = (fn: () => void, ms: number): number => this.scheduled.push({ fn, ms });
  run(): number {
    const due = this.scheduled;
    this.scheduled = [];
    for (const { fn } of due) fn();
    return due.length;
  }
}

/** Lets queued microtasks (nextTick) and a 0 ms timer run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(options: { highWaterMark?: number; open?: boolean } = {}) {
  const socket = new FakeSocket();
  const timers = new ManualTimers();
  const duplex = new WebSocketDuplex(socket, { setTimeout: timers.setTimeout, ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }) });
  if (options.open) socket.open();
  const events: unknown[] = [];
  duplex.on('error', (error: Error) => events.push(['error', error.message]));
  duplex.on('close', () => events.push('close'));
  duplex.on('drain', () => events.push('drain'));
  return { socket, timers, duplex, events };
}

describe('WebSocketDuplex: writing', () => {
  it('asks the socket for ArrayBuffers', () => {
    expect(setup().socket.binaryType).toBe('arraybuffer');
  });

  it('writes before open are queued and sent in order on open; nothing is sent before', () => {
    const { socket, duplex } = setup();
    expect(duplex.write(Buffer.from([1, 2]))).toBe(true);
    expect(duplex.write(new Uint8Array([3]))).toBe(true);
    expect(duplex.write('é')).toBe(true);
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual([[1, 2], [3], [0xc3, 0xa9]]);
    duplex.write(new Uint8Array([4]));
    expect(socket.sent).toEqual([[1, 2], [3], [0xc3, 0xa9], [4]]);
  });

  it('strings are sent as UTF-8 bytes, never as text frames', () => {
    const { socket, duplex } = setup({ open: true });
    duplex.write('a😀\ud800');
    expect(socket.sent).toEqual([[...NodeBuffer.from('a😀\ud800')]]);
    expect(typeof socket.sent[0]).not.toBe('string');
  });

  it('write callbacks run on a later tick, before open too', async () => {
    const { duplex, socket } = setup();
    const calls: string[] = [];
    duplex.write(new Uint8Array([1]), () => calls.push('a'));
    duplex.write(new Uint8Array([2]), 'buffer', () => calls.push('b'));
    expect(calls).toEqual([]);
    await settle();
    expect(calls).toEqual(['a', 'b']);
    socket.open();
    duplex.write(new Uint8Array([3]), () => calls.push('c'));
    await settle();
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('MQTT packets written with mqtt-packet’s writeToStream reach the socket as the generator’s bytes', () => {
    const packets = [
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'c', username: 'u', password: NodeBuffer.from('p') },
      { cmd: 'publish', topic: 'a/é', payload: NodeBuffer.from([0, 1, 2]), qos: 1, messageId: 5, retain: false, dup: false },
      { cmd: 'pingreq' },
    ];
    const real = setup();
    for (const packet of packets) mqttPacket.writeToStream(packet as mqttPacket.Packet, real.duplex as never);
    real.socket.open();
    const expected = packets.flatMap((packet) => [...mqttPacket.generate(packet as mqttPacket.Packet)]);
    expect(real.socket.bytes).toEqual(expected);
    // and with mqtt-packet built over the stand-ins, as in the lean build
    const standIn = loadMqttPacketOverStandIns();
    const lean = setup({ open: true });
    for (const packet of packets as Array<Record<string, unknown>>) {
      // what the lean build gets: stand-in Buffers, and the publish payload as the SDK's Uint8Array
      const copy = { ...packet };
      if (packet['payload']) copy['payload'] = new Uint8Array(packet['payload'] as Uint8Array);
      if (packet['password']) copy['password'] = Buffer.from(packet['password'] as Uint8Array);
      expect(standIn.writeToStream(copy, lean.duplex)).toBe(true);
    }
    expect(lean.socket.bytes).toEqual(expected);
  });
});

describe('WebSocketDuplex: reading', () => {
  it('pipe(sink) returns the sink; ArrayBuffer messages reach it as stand-in Buffers, in order', () => {
    const { socket, duplex } = setup({ open: true });
    const got: unknown[] = [];
    const sink = { write: (chunk: unknown) => got.push(chunk) };
    expect(duplex.pipe(sink)).toBe(sink);
    socket.dispatch('message', { data: new Uint8Array([0x20, 0x02, 0, 0]).buffer });
    socket.dispatch('message', { data: new Uint8Array([0xd0, 0]).buffer });
    expect(got).toHaveLength(2);
    expect(got[0]).toBeInstanceOf(Buffer);
    expect([...(got[0] as Buffer)]).toEqual([0x20, 0x02, 0, 0]);
    expect([...(got[1] as Buffer)]).toEqual([0xd0, 0]);
  });

  it('a text message reaches the sink as its UTF-8 bytes', () => {
    const { socket, duplex } = setup({ open: true });
    const got: Buffer[] = [];
    duplex.pipe({ write: (chunk: Buffer) => got.push(chunk) });
    socket.dispatch('message', { data: 'é' });
    expect(got.map((b) => [...b])).toEqual([[0xc3, 0xa9]]);
  });

  it('nothing reaches the sink after the stream is destroyed', () => {
    const { socket, duplex } = setup({ open: true });
    const got: unknown[] = [];
    duplex.pipe({ write: (chunk: unknown) => got.push(chunk) });
    duplex.destroy();
    socket.dispatch('message', { data: new Uint8Array([1]).buffer });
    expect(got).toEqual([]);
  });
});

describe('WebSocketDuplex: close, error, destroy, end', () => {
  it('the socket’s close event: one "close" on a later tick, no "error"; writes then return false and send nothing', async () => {
    const { socket, duplex, events } = setup({ open: true });
    socket.dispatch('close', { code: 1006 });
    expect(events).toEqual([]);
    await settle();
    expect(events).toEqual(['close']);
    expect(duplex.destroyed).toBe(true);
    expect(duplex.write(new Uint8Array([1]))).toBe(false);
    socket.dispatch('close', { code: 1006 });
    await settle();
    expect(events).toEqual(['close']);
    expect(socket.sent).toEqual([]);
  });

  it('the socket’s error event: "error" (an Error) then "close", once each, the close event after it adding nothing', async () => {
    const { socket, duplex, events } = setup();
    const errors: unknown[] = [];
    duplex.on('error', (error: unknown) => errors.push(error));
    socket.dispatch('error');
    socket.dispatch('error');
    socket.dispatch('close', { code: 1006 });
    await settle();
    expect(events).toEqual([['error', 'WebSocket error'], 'close']);
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it('destroy() closes the socket, drops queued writes, and emits one "close"', async () => {
    const { socket, duplex, events } = setup();
    duplex.write(new Uint8Array([1]));
    duplex.destroy();
    duplex.destroy();
    expect(socket.closeCalls).toBe(1);
    // a socket closed while connecting fails: error, then close
    socket.dispatch('error');
    socket.dispatch('close', { code: 1006 });
    await settle();
    expect(events).toEqual(['close']);
    expect(socket.sent).toEqual([]);
  });

  it('destroy() of an open socket closes it; destroy(error) emits "error" then "close"', async () => {
    const { socket, duplex, events } = setup({ open: true });
    duplex.destroy(new Error('keepalive timeout'));
    expect(socket.closeCalls).toBe(1);
    expect(duplex.destroyed).toBe(true);
    await settle();
    expect(events).toEqual([['error', 'keepalive timeout'], 'close']);
  });

  it('destroy() after the socket has closed does not close it again', async () => {
    const { socket, duplex, events } = setup({ open: true });
    socket.readyState = 3;
    duplex.destroy();
    expect(socket.closeCalls).toBe(0);
    await settle();
    expect(events).toEqual(['close']);
  });

  it('end() after open closes the socket; its callback runs with the "close" that follows', async () => {
    const { socket, duplex, events } = setup({ open: true });
    let ended = 0;
    duplex.write(new Uint8Array([0xe0, 0]));
    expect(duplex.end(() => ended++)).toBe(duplex);
    expect(socket.closeCalls).toBe(1);
    expect(duplex.write(new Uint8Array([1]))).toBe(false);
    duplex.end();
    expect(socket.closeCalls).toBe(1);
    socket.dispatch('close', { code: 1000 });
    await settle();
    expect(ended).toBe(1);
    expect(events).toEqual(['close']);
    expect(socket.sent).toEqual([[0xe0, 0]]);
  });

  it('end() while connecting closes the socket once it has opened and sent what was written', () => {
    const { socket, duplex } = setup();
    const order: string[] = [];
    const send = socket.send.bind(socket);
    socket.send = (data) => (order.push('send'), send(data));
    const close = socket.close.bind(socket);
    socket.close = () => (order.push('close'), close());
    duplex.write(new Uint8Array([0x10]));
    duplex.write(new Uint8Array([0xe0, 0]));
    duplex.end();
    expect(order).toEqual([]);
    socket.open();
    expect(order).toEqual(['send', 'send', 'close']);
  });

  it('setMaxListeners (MQTT.js calls stream.setMaxListeners(1000)) returns the stream', () => {
    const { duplex } = setup();
    expect(duplex.setMaxListeners(1000)).toBe(duplex);
  });
});

describe('WebSocketDuplex: back-pressure', () => {
  it('write returns false above highWaterMark; "drain" comes once, when bufferedAmount has fallen', async () => {
    const { socket, duplex, timers, events } = setup({ highWaterMark: 100, open: true });
    socket.bufferPerSend = 60;
    expect(duplex.write(new Uint8Array(60))).toBe(true);
    expect(duplex.write(new Uint8Array(60))).toBe(false);
    expect(duplex.write(new Uint8Array(60))).toBe(false);
    // one check scheduled, however many writes returned false
    expect(timers.scheduled).toHaveLength(1);
    socket.bufferedAmount = 150;
    timers.run();
    expect(events).toEqual([]);
    expect(timers.scheduled).toHaveLength(1);
    socket.bufferedAmount = 100;
    timers.run();
    expect(events).toEqual(['drain']);
    expect(timers.scheduled).toHaveLength(0);
    await settle();
    expect(events).toEqual(['drain']);
    expect(socket.sent).toHaveLength(3);
  });

  it('MQTT.js’s _writePacket waits for "drain" through once(): its callback runs once the socket has caught up', () => {
    const { socket, duplex, timers } = setup({ highWaterMark: 10, open: true });
    socket.bufferPerSend = 20;
    let sent = 0;
    const writePacket = (bytes: Uint8Array, cb: () => void) => {
      if (!duplex.write(bytes)) duplex.once('drain', cb);
      else cb();
    };
    writePacket(new Uint8Array(20), () => sent++);
    expect(sent).toBe(0);
    socket.bufferedAmount = 0;
    timers.run();
    expect(sent).toBe(1);
    // another episode: another drain
    writePacket(new Uint8Array(20), () => sent++);
    socket.bufferedAmount = 0;
    timers.run();
    expect(sent).toBe(2);
  });

  it('polls with the SDK’s clock, not the global one', () => {
    const { socket, duplex, timers } = setup({ highWaterMark: 0, open: true });
    socket.bufferPerSend = 1;
    duplex.write(new Uint8Array(1));
    expect(timers.scheduled).toHaveLength(1);
    expect(timers.scheduled[0]!.ms).toBeGreaterThan(0);
  });

  it('the default highWaterMark lets 1 MiB be buffered before write returns false', () => {
    const { socket, duplex } = setup({ open: true });
    socket.bufferedAmount = 1024 * 1024;
    expect(duplex.write(new Uint8Array(1))).toBe(true);
    socket.bufferedAmount = 1024 * 1024 + 1;
    expect(duplex.write(new Uint8Array(1))).toBe(false);
  });

  it('no "drain" once the stream is destroyed while waiting for it', async () => {
    const { socket, duplex, timers, events } = setup({ highWaterMark: 10, open: true });
    socket.bufferPerSend = 50;
    expect(duplex.write(new Uint8Array(50))).toBe(false);
    duplex.destroy();
    socket.bufferedAmount = 0;
    timers.run();
    await settle();
    expect(events).toEqual(['close']);
    expect(timers.scheduled).toHaveLength(0);
  });
});
