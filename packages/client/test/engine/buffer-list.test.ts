import { Buffer as NodeBuffer } from 'node:buffer';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Buffer } from '../../src/engine/buffer';
import bl, { BufferList } from '../../src/engine/buffer-list';
import { loadMqttPacketOverStandIns, plain, samplePackets } from './mqtt-packet-over-stand-ins';

// Seeded runs: FC_SEED=<seed printed by a failure> replays it.
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

/** The real `bl` (what mqtt-packet's parser uses under Node), as the reference. */
interface RealBufferList {
  length: number;
  append(chunk: NodeBuffer): unknown;
  consume(bytes: number): unknown;
  readUInt8(offset: number): number;
  readUInt16BE(offset: number): number;
  readUInt32BE(offset: number): number;
  slice(start?: number, end?: number): NodeBuffer;
  toString(encoding?: string, start?: number, end?: number): string;
}
const realBl = createRequire(import.meta.url)('bl') as () => RealBufferList;

/** Bytes as a WebSocket message delivers them: a stand-in Buffer over a fresh ArrayBuffer of its own. */
const message = (bytes: ArrayLike<number>): Buffer => Buffer.from(new Uint8Array(bytes).buffer);

/** `bytes` cut at the given points (sorted, deduplicated, in range). */
function cut(bytes: Uint8Array, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) out.push(message(bytes.subarray(from, to)));
    from = to;
  }
  return out;
}

const oneByteChunks = (bytes: Uint8Array): Buffer[] => [...bytes].map((b) => message([b]));

describe('BufferList basics', () => {
  it('bl() is a new, empty list each call', () => {
    const a = bl();
    const b = bl();
    expect(a).toBeInstanceOf(BufferList);
    expect(a).not.toBe(b);
    expect(a.length).toBe(0);
  });

  it('append adds to length (empty chunks ignored) and returns the list', () => {
    const list = new BufferList();
    expect(list.append(Buffer.from([1, 2]))).toBe(list);
    list.append(new Uint8Array(0));
    list.append(new Uint8Array([3, 4, 5]));
    list.append(NodeBuffer.from([6]));
    expect(list.length).toBe(6);
    expect([...list.slice()]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('consume drops from the front across chunks, and never below zero', () => {
    const list = new BufferList();
    list.append(Buffer.from([1, 2])).append(Buffer.from([3, 4, 5])).append(Buffer.from([6]));
    expect(list.consume(3)).toBe(list);
    expect(list.length).toBe(3);
    expect([...list.slice()]).toEqual([4, 5, 6]);
    list.consume(0);
    expect(list.length).toBe(3);
    list.consume(10);
    expect(list.length).toBe(0);
    expect(list.slice().length).toBe(0);
    list.append(Buffer.from([7]));
    expect(list.readUInt8(0)).toBe(7);
  });

  it('reads across chunk boundaries', () => {
    const list = new BufferList();
    list.append(Buffer.from([0x01])).append(Buffer.from([0x02, 0x03])).append(Buffer.from([0x04])).append(Buffer.from([0xff, 0xfe]));
    expect(list.readUInt8(3)).toBe(0x04);
    expect(list.readUInt16BE(0)).toBe(0x0102);
    expect(list.readUInt16BE(2)).toBe(0x0304);
    expect(list.readUInt32BE(1)).toBe(0x020304ff);
    expect(list.readUInt32BE(2)).toBe(0x0304fffe);
    list.consume(2);
    expect(list.readUInt32BE(0)).toBe(0x0304fffe);
  });

  it('slice across chunks returns the stand-in Buffer with the bytes in range', () => {
    const list = new BufferList();
    list.append(Buffer.from([1, 2, 3])).append(new Uint8Array([4, 5])).append(Buffer.from([6, 7]));
    const piece = list.slice(2, 6);
    expect(piece).toBeInstanceOf(Buffer);
    expect([...piece]).toEqual([3, 4, 5, 6]);
    expect([...list.slice(5)]).toEqual([6, 7]);
    expect([...list.slice(5, 100)]).toEqual([6, 7]);
    expect(list.slice(4, 4).length).toBe(0);
    expect(list.slice(6, 2).length).toBe(0);
    expect(list.length).toBe(7);
  });

  it('a slice stays intact when later chunks arrive and earlier bytes are consumed', () => {
    const list = new BufferList();
    list.append(message([1, 2])).append(message([3, 4]));
    const kept = list.slice(1, 3);
    list.consume(4);
    list.append(message([9, 9, 9, 9]));
    list.readUInt32BE(0);
    expect([...kept]).toEqual([2, 3]);
  });

  it('toString decodes across chunks, a character split between chunks included', () => {
    const bytes = NodeBuffer.from('aé😀b');
    const list = new BufferList();
    for (const chunk of oneByteChunks(bytes)) list.append(chunk);
    expect(list.toString()).toBe('aé😀b');
    expect(list.toString('utf8', 1, 3)).toBe('é');
    expect(list.toString('utf8', 3, 7)).toBe('😀');
  });

  it('behaves as the real bl on random sequences of the parser’s operations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 12 }) }),
      fc.record({ kind: fc.constant('consume' as const), n: fc.nat({ max: 14 }) }),
      fc.record({ kind: fc.constantFrom('u8' as const, 'u16' as const, 'u32' as const), at: fc.nat({ max: 30 }) }),
      fc.record({ kind: fc.constantFrom('slice' as const, 'toString' as const), a: fc.nat({ max: 30 }), b: fc.nat({ max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const mine = new BufferList();
        const real = realBl();
        for (const o of ops) {
          switch (o.kind) {
            case 'append':
              mine.append(message(o.bytes));
              real.append(NodeBuffer.from(o.bytes));
              break;
            case 'consume':
              mine.consume(o.n);
              real.consume(o.n);
              break;
            case 'u8':
            case 'u16':
            case 'u32': {
              const width = { u8: 1, u16: 2, u32: 4 }[o.kind];
              // The parser reads only what it has checked is there.
              if (o.at + width > real.length) break;
              const read = { u8: 'readUInt8', u16: 'readUInt16BE', u32: 'readUInt32BE' }[o.kind] as 'readUInt8';
              expect(mine[read](o.at)).toBe(real[read](o.at));
              break;
            }
            case 'slice': {
              const [start, end] = o.a <= o.b ? [o.a, o.b] : [o.b, o.a];
              const got = mine.slice(start, end);
              expect(got).toBeInstanceOf(Buffer);
              expect([...got]).toEqual([...real.slice(start, end)]);
              break;
            }
            case 'toString': {
              const [start, end] = o.a <= o.b ? [o.a, o.b] : [o.b, o.a];
              expect(mine.toString('utf8', start, end)).toBe(real.toString('utf8', start, end));
              break;
            }
          }
          expect(mine.length).toBe(real.length);
        }
      }),
      runs(1000),
    );
  });
});

describe('mqtt-packet’s own parser over the stand-ins', () => {
  const standIn = loadMqttPacketOverStandIns();

  /** Parses `chunks` with a parser (stand-in or real); returns the packets, the errors and what was left over. */
  function parseWith(make: () => ReturnType<typeof standIn.parser>, chunks: Uint8Array[]) {
    const parser = make();
    const packets: any[] = [];
    const errors: string[] = [];
    parser.on('packet', (packet) => packets.push(packet));
    parser.on('error', (error: Error) => errors.push(error.message));
    let left = 0;
    for (const chunk of chunks) left = parser.parse(chunk);
    return { packets, errors, left };
  }
  const parseStandIn = (chunks: Uint8Array[], opts: object) => parseWith(() => standIn.parser(opts), chunks);
  const parseReal = (bytes: Uint8Array, opts: object, chunks: Uint8Array[] = [bytes]) =>
    parseWith(() => mqttPacket.parser(opts as never) as never, chunks.map((c) => NodeBuffer.from(c)));

  const samples = samplePackets((bytes) => NodeBuffer.from(bytes)).map((sample) => ({
    ...sample,
    bytes: new Uint8Array(mqttPacket.generate(sample.packet as mqttPacket.Packet, sample.opts as never)),
  }));

  it.each(samples.map((s) => [s.name, s] as const))('%s: parsed whole, as the real parser does', (_name, { bytes, opts }) => {
    const expected = parseReal(bytes, opts);
    expect(expected.errors).toEqual([]);
    expect(expected.packets).toHaveLength(1);
    const got = parseStandIn([message(bytes)], opts);
    expect(got.errors).toEqual([]);
    expect(got.left).toBe(0);
    expect(plain(got.packets)).toEqual(plain(expected.packets));
  });

  it.each(samples.map((s) => [s.name, s] as const))('%s: split into 1-byte chunks, parses the same', (_name, { bytes, opts }) => {
    const got = parseStandIn(oneByteChunks(bytes), opts);
    expect(got.errors).toEqual([]);
    expect(got.left).toBe(0);
    expect(plain(got.packets)).toEqual(plain(parseReal(bytes, opts).packets));
  });

  it('byte fields come out as the stand-in Buffer (MQTT.js and the SDK read them as Uint8Array)', () => {
    const publish = samples.find((s) => s.name === 'publish v5 with properties')!;
    const [packet] = parseStandIn(oneByteChunks(publish.bytes), publish.opts).packets;
    expect(packet.payload).toBeInstanceOf(Buffer);
    expect(packet.properties.correlationData).toBeInstanceOf(Buffer);
    expect([...packet.payload]).toEqual([1, 2, 3]);
  });

  it('all sample packets back to back, cut anywhere, parse as the real parser does', () => {
    for (const version of [4, 5]) {
      const some = samples.filter((s) => s.opts.protocolVersion === version);
      const stream = NodeBuffer.concat(some.map((s) => s.bytes));
      const expected = plain(parseReal(stream, { protocolVersion: version }).packets);
      expect((expected as unknown[]).length).toBe(some.length);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 30 }), (points) => {
          const got = parseStandIn(cut(stream, points), { protocolVersion: version });
          expect(got.errors).toEqual([]);
          expect(got.left).toBe(0);
          expect(plain(got.packets)).toEqual(expected);
        }),
        runs(100),
      );
    }
  });

  it('a payload kept from one packet is not changed by the packets parsed after it', () => {
    const publish = (payload: number[], messageId: number) =>
      mqttPacket.generate({ cmd: 'publish', topic: 't', payload: NodeBuffer.from(payload), qos: 1, messageId, retain: false, dup: false });
    const first = publish([1, 2, 3, 4], 1);
    const second = publish([9, 9, 9, 9], 2);
    const bytes = NodeBuffer.concat([first, second]);
    const got = parseStandIn(cut(bytes, [3, first.length - 1, first.length + 2]), { protocolVersion: 4 });
    expect(got.packets.map((p) => [...p.payload])).toEqual([[1, 2, 3, 4], [9, 9, 9, 9]]);
  });

  it('random publish packets (unicode topics, any payload, v5 user properties), cut at random, parse as the real parser does', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const publishArb = fc.record({
      topic: text.filter((t) => t.length > 0 && !t.startsWith('\ufeff')),
      payload: fc.uint8Array({ maxLength: 300 }),
      qos: fc.constantFrom(0, 1, 2),
      messageId: fc.integer({ min: 1, max: 0xffff }),
      retain: fc.boolean(),
      v5: fc.boolean(),
      user: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), text.filter((t) => !t.startsWith('\ufeff')), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(publishArb, fc.array(fc.nat(), { maxLength: 8 }), ({ topic, payload, qos, messageId, retain, v5, user }, points) => {
        const opts = { protocolVersion: v5 ? 5 : 4 };
        const packet = {
          cmd: 'publish', topic, payload: NodeBuffer.from(payload), qos, messageId, retain, dup: false,
          ...(v5 ? { properties: { userProperties: user } } : {}),
        };
        const bytes = new Uint8Array(mqttPacket.generate(packet as mqttPacket.Packet, opts as never));
        const got = parseStandIn(cut(bytes, points), opts);
        expect(got.errors).toEqual([]);
        expect(plain(got.packets)).toEqual(plain(parseReal(bytes, opts).packets));
      }),
      runs(500),
    );
  });

  it('malformed input gives the real parser’s errors', () => {
    const cases: Array<[string, number[], number]> = [
      ['reserved header flags', [0x31 | 0x06, 0x00], 4],
      ['publish with both QoS bits set', [0x36, 0x02, 0x00, 0x00], 4],
      ['subscribe with bad flags', [0x80, 0x02, 0x00, 0x01], 4],
      ['truncated connack', [0x20, 0x00], 4],
      ['varint too long', [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], 4],
      ['unknown property', [0xe0, 0x03, 0x00, 0x01, 0x7f], 5],
      ['wrong protocol id', [0x10, 0x0a, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x58, 0x04, 0x02, 0x00, 0x3c], 4],
    ];
    for (const [name, bytes, version] of cases) {
      const expected = parseReal(new Uint8Array(bytes), { protocolVersion: version });
      const got = parseStandIn([message(bytes)], { protocolVersion: version });
      expect({ name, errors: got.errors, packets: plain(got.packets) }).toEqual({ name, errors: expected.errors, packets: plain(expected.packets) });
      // After an error the parser starts afresh on its next parse() call, so the real one is fed the same chunks.
      const chunks = oneByteChunks(new Uint8Array(bytes));
      const split = parseStandIn(chunks, { protocolVersion: version });
      const expectedSplit = parseReal(new Uint8Array(bytes), { protocolVersion: version }, chunks);
      expect({ name, errors: split.errors, packets: plain(split.packets) }).toEqual({ name, errors: expectedSplit.errors, packets: plain(expectedSplit.packets) });
    }
  });

  // MQTT 5 §1.5.4 [MQTT-1.5.4-3]: "0xEF 0xBB 0xBF is always to be interpreted as U+FEFF wherever it
  // appears in a string and MUST NOT be skipped over or stripped off by a packet receiver." The real
  // parser keeps it; BufferList.toString → Buffer#toString drops it (TextDecoder's default BOM handling).
  it('a topic and a user property that start with U+FEFF keep it', () => {
    const packet = {
      cmd: 'publish', topic: '\ufefft', payload: NodeBuffer.from([1]), qos: 0, retain: false, dup: false,
      properties: { userProperties: { '\ufeffk': '\ufeffv' } },
    };
    const bytes = new Uint8Array(mqttPacket.generate(packet as mqttPacket.Packet, { protocolVersion: 5 } as never));
    expect(parseReal(bytes, { protocolVersion: 5 }).packets[0].topic).toBe('\ufefft');
    const [got] = parseStandIn([message(bytes)], { protocolVersion: 5 }).packets;
    expect(got.topic).toBe('\ufefft');
    expect(got.properties.userProperties).toEqual({ '\ufeffk': '\ufeffv' });
  });
});
