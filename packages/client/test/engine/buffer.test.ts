import { Buffer as NodeBuffer } from 'node:buffer';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Buffer } from '../../src/engine/buffer';
import { loadMqttPacketOverStandIns, mqttPacketExternals, samplePackets } from './mqtt-packet-over-stand-ins';

// Seeded runs: FC_SEED=<seed printed by a failure> replays it.
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

/** UTF-16 code units chosen to hit every UTF-8 length boundary, surrogate pairs and lone surrogates. */
const edgeUnits = ['\0', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '\ufeff', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '\udbff\udfff'];
const unitArb = fc.oneof(
  fc.constantFrom(...edgeUnits),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), // includes lone surrogates
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)), // surrogate pairs
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
);
const textArb = fc.array(unitArb, { maxLength: 40 }).map((units) => units.join(''));
/** Bytes that are often not valid UTF-8: stray continuation bytes, overlong leads, truncated sequences. */
const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff));
const bytesArb = fc.array(byteArb, { maxLength: 40 });

describe('Buffer.from(string): UTF-8 as Node encodes it', () => {
  it('matches node:buffer byte for byte, surrogate pairs and lone surrogates included', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect([...Buffer.from(text)]).toEqual([...NodeBuffer.from(text, 'utf8')]);
      }),
      runs(2000),
    );
  });

  it('encodes the boundaries and a lone surrogate (U+FFFD) as Node does', () => {
    expect([...Buffer.from('\u00e9')]).toEqual([0xc3, 0xa9]);
    expect([...Buffer.from('\u{1F600}')]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect([...Buffer.from('a\ud800b')]).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
    expect([...Buffer.from('\udc00\ud800')]).toEqual([0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd]);
    expect(Buffer.from('x')).toBeInstanceOf(Buffer);
  });

  it('byteLength(string) equals Node’s for arbitrary strings', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(Buffer.byteLength(text)).toBe(NodeBuffer.byteLength(text, 'utf8'));
      }),
      runs(2000),
    );
  });

  it('byteLength of a byte array or ArrayBuffer is its byteLength', () => {
    expect(Buffer.byteLength(new Uint8Array(7))).toBe(7);
    expect(Buffer.byteLength(new ArrayBuffer(5))).toBe(5);
    expect(Buffer.byteLength(new Uint8Array(new ArrayBuffer(10), 2, 3))).toBe(3);
  });
});

describe('Buffer.from(binary)', () => {
  it('from(ArrayBuffer) is a view on it (with offset and length as Node)', () => {
    const ab = new ArrayBuffer(8);
    const whole = Buffer.from(ab);
    const part = Buffer.from(ab, 2, 3);
    new Uint8Array(ab)[3] = 0x7a;
    expect(whole).toBeInstanceOf(Buffer);
    expect(whole.buffer).toBe(ab);
    expect(whole.length).toBe(8);
    expect(whole[3]).toBe(0x7a);
    expect([part.byteOffset, part.length, part[1]]).toEqual([2, 3, 0x7a]);
    const node = NodeBuffer.from(ab, 2, 3);
    expect([...part]).toEqual([...node]);
  });

  it('from(array) is a copy, bytes taken modulo 256 as Node', () => {
    const source = [1, 2, 255, 256, -1];
    const buf = Buffer.from(source);
    source[0] = 99;
    expect(buf).toBeInstanceOf(Buffer);
    expect([...buf]).toEqual([1, 2, 255, 0, 255]);
    expect([...buf]).toEqual([...NodeBuffer.from([1, 2, 255, 256, -1])]);
  });

  it('from(Uint8Array) and from(Buffer) are copies', () => {
    const view = new Uint8Array([1, 2, 3]);
    const a = Buffer.from(view);
    const b = Buffer.from(a);
    view[0] = 9;
    a[1] = 9;
    expect([...a]).toEqual([1, 9, 3]);
    expect([...b]).toEqual([1, 2, 3]);
    expect(a.buffer).not.toBe(view.buffer);
    expect(b).toBeInstanceOf(Buffer);
  });
});

describe('alloc, allocUnsafe, isBuffer', () => {
  it('alloc(n) is n zero bytes of the stand-in class', () => {
    const buf = Buffer.alloc(5);
    expect(buf).toBeInstanceOf(Buffer);
    expect([...buf]).toEqual([0, 0, 0, 0, 0]);
    expect(Buffer.alloc(0).length).toBe(0);
  });

  it('allocUnsafe(n) is n bytes of the stand-in class', () => {
    const buf = Buffer.allocUnsafe(4);
    expect(buf).toBeInstanceOf(Buffer);
    expect(buf.length).toBe(4);
  });

  it('isBuffer: true for the stand-in and what it returns, false for a plain Uint8Array (as Node) and others', () => {
    expect(Buffer.isBuffer(Buffer.alloc(1))).toBe(true);
    expect(Buffer.isBuffer(Buffer.from('a').subarray(0, 1))).toBe(true);
    expect(Buffer.isBuffer(new Uint8Array(1))).toBe(false);
    expect(NodeBuffer.isBuffer(new Uint8Array(1))).toBe(false);
    expect(Buffer.isBuffer(new ArrayBuffer(1))).toBe(false);
    expect(Buffer.isBuffer('a')).toBe(false);
    expect(Buffer.isBuffer(null)).toBe(false);
    expect(Buffer.isBuffer(undefined)).toBe(false);
  });
});

describe('concat', () => {
  it('joins the parts without totalLength', () => {
    const out = Buffer.concat([Buffer.from([1, 2]), new Uint8Array([3]), Buffer.alloc(0), Buffer.from([4, 5])]);
    expect(out).toBeInstanceOf(Buffer);
    expect([...out]).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.concat([]).length).toBe(0);
  });

  // Not compared: concat([], n), where Node returns an empty buffer whatever n is; BufferList, the only
  // caller, passes n = 0 for an empty list.
  it('with totalLength truncates or zero-pads exactly as Node does', () => {
    fc.assert(
      fc.property(fc.array(bytesArb, { minLength: 1, maxLength: 6 }), fc.option(fc.nat({ max: 200 }), { nil: undefined }), (parts, total) => {
        const mine = Buffer.concat(parts.map((p) => Buffer.from(p)), total);
        const node = NodeBuffer.concat(parts.map((p) => NodeBuffer.from(p)), total);
        expect([...mine]).toEqual([...node]);
      }),
      runs(500),
    );
  });

  it('copies: the result does not share memory with its parts', () => {
    const part = Buffer.from([1, 2, 3]);
    const out = Buffer.concat([part]);
    part[0] = 9;
    expect(out[0]).toBe(1);
  });
});

describe('write, toString, copy, equals', () => {
  it('write(string, offset) writes UTF-8 at offset and returns the bytes written, as Node', () => {
    fc.assert(
      fc.property(textArb, fc.nat({ max: 60 }), fc.nat({ max: 60 }), (text, size, at) => {
        const offset = Math.min(at, size);
        const mine = Buffer.alloc(size);
        const node = NodeBuffer.alloc(size);
        expect(mine.write(text, offset)).toBe(node.write(text, offset, 'utf8'));
        expect([...mine]).toEqual([...node]);
      }),
      runs(1000),
    );
  });

  it('write returns the length mqtt-packet relies on (Buffer.byteLength of the string)', () => {
    const text = 'é😀\ud800x';
    const buf = Buffer.alloc(20);
    expect(buf.write(text, 3)).toBe(Buffer.byteLength(text));
    expect([...buf.subarray(3, 3 + Buffer.byteLength(text))]).toEqual([...NodeBuffer.from(text)]);
  });

  it('toString() and toString("utf8", start, end) decode as Node, invalid UTF-8 included', () => {
    fc.assert(
      fc.property(bytesArb, fc.nat({ max: 45 }), fc.nat({ max: 45 }), (bytes, a, b) => {
        const mine = Buffer.from(bytes);
        const node = NodeBuffer.from(bytes);
        expect(mine.toString()).toBe(node.toString('utf8'));
        const [start, end] = a <= b ? [a, b] : [b, a];
        expect(mine.toString('utf8', start, end)).toBe(node.toString('utf8', start, end));
      }),
      runs(2000),
    );
    expect(Buffer.from('héllo').toString('utf8', 1, 3)).toBe('é');
  });

  // MQTT 5 §1.5.4 / [MQTT-1.5.4-3]: EF BB BF is U+FEFF wherever it appears and MUST NOT be stripped.
  // Node keeps it; a TextDecoder created with default options (ignoreBOM: false) drops a leading one.
  it('toString keeps a leading U+FEFF (byte order mark) as Node does', () => {
    const bytes = [0xef, 0xbb, 0xbf, 0x61];
    expect(NodeBuffer.from(bytes).toString('utf8')).toBe('\ufeffa');
    expect(Buffer.from(bytes).toString()).toBe('\ufeffa');
    expect(Buffer.from([0x78, 0xef, 0xbb, 0xbf, 0x61]).toString('utf8', 1, 5)).toBe('\ufeffa');
  });

  it('copy(target, targetStart, start, end) copies and returns the count as Node', () => {
    fc.assert(
      fc.property(bytesArb, fc.nat({ max: 45 }), fc.nat({ max: 45 }), fc.nat({ max: 45 }), fc.nat({ max: 45 }), (bytes, size, ts, s, e) => {
        const targetStart = Math.min(ts, size);
        const start = Math.min(s, bytes.length);
        const end = Math.max(start, Math.min(e, bytes.length));
        const mineTarget = Buffer.alloc(size);
        const nodeTarget = NodeBuffer.alloc(size, 0);
        expect(Buffer.from(bytes).copy(mineTarget, targetStart, start, end)).toBe(NodeBuffer.from(bytes).copy(nodeTarget, targetStart, start, end));
        expect([...mineTarget]).toEqual([...nodeTarget]);
      }),
      runs(1000),
    );
  });

  it('copy with defaults copies everything that fits to the start', () => {
    const target = new Uint8Array(3);
    expect(Buffer.from([1, 2, 3, 4]).copy(target)).toBe(3);
    expect([...target]).toEqual([1, 2, 3]);
  });

  it('equals compares bytes', () => {
    expect(Buffer.from([1, 2]).equals(new Uint8Array([1, 2]))).toBe(true);
    expect(Buffer.from([1, 2]).equals(new Uint8Array([1, 3]))).toBe(false);
    expect(Buffer.from([1, 2]).equals(new Uint8Array([1, 2, 3]))).toBe(false);
  });
});

describe('readUInt / writeUInt', () => {
  it('readUInt8/16BE/32BE and writeUInt8/16BE/32BE round-trip and lay bytes out as Node', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.nat({ max: 3 }), (u8, u16, u32, at) => {
        const mine = Buffer.alloc(at + 7);
        const node = NodeBuffer.alloc(at + 7);
        expect(mine.writeUInt8(u8, at)).toBe(node.writeUInt8(u8, at));
        expect(mine.writeUInt16BE(u16, at + 1)).toBe(node.writeUInt16BE(u16, at + 1));
        expect(mine.writeUInt32BE(u32, at + 3)).toBe(node.writeUInt32BE(u32, at + 3));
        expect([...mine]).toEqual([...node]);
        expect([mine.readUInt8(at), mine.readUInt16BE(at + 1), mine.readUInt32BE(at + 3)]).toEqual([u8, u16, u32]);
      }),
      runs(1000),
    );
  });

  it('0xFFFFFFFF and the sign bit read back unsigned', () => {
    const buf = Buffer.alloc(8);
    expect(buf.writeUInt32BE(0xffffffff, 0)).toBe(4);
    expect(buf.writeUInt32BE(0x80000000, 4)).toBe(8);
    expect([...buf]).toEqual([0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0]);
    expect(buf.readUInt32BE(0)).toBe(0xffffffff);
    expect(buf.readUInt32BE(4)).toBe(0x80000000);
    expect(buf.readUInt16BE(0)).toBe(0xffff);
    expect(buf.readUInt8(0)).toBe(0xff);
    expect(Buffer.from([0xab]).readUInt8()).toBe(0xab);
  });
});

describe('subarray and slice', () => {
  it('subarray returns the stand-in class, as a view', () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    // TypeScript types subarray() as returning a plain Uint8Array; at run time it is the stand-in class.
    const sub = buf.subarray(1, 3) as Buffer;
    expect(sub).toBeInstanceOf(Buffer);
    expect(Buffer.isBuffer(sub)).toBe(true);
    sub[0] = 9;
    expect(buf[1]).toBe(9);
    expect(sub.readUInt16BE(0)).toBe(0x0903);
  });

  it('slice returns the stand-in class (a copy, as documented in buffer.ts)', () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    const piece = buf.slice(1, 3);
    expect(piece).toBeInstanceOf(Buffer);
    expect(piece.toString()).toBe('\u0002\u0003');
    expect([...piece]).toEqual([2, 3]);
  });
});

describe('mqtt-packet’s own generator over the stand-ins', () => {
  const standIn = loadMqttPacketOverStandIns();

  it('mqtt-packet’s files get only stand-ins (nothing else of Node’s is required)', () => {
    expect(mqttPacketExternals()).toEqual(new Set(['buffer', 'bl', 'events', 'debug', 'process-nextick-args']));
  });

  it.each(samplePackets((bytes) => Buffer.from(bytes)).map((sample, i) => [sample.name, i] as const))('generate(%s) is byte for byte the real mqtt-packet’s', (_name, i) => {
    const mine = samplePackets((bytes) => Buffer.from(bytes))[i]!;
    const real = samplePackets((bytes) => NodeBuffer.from(bytes))[i]!;
    const generated = standIn.generate(mine.packet, mine.opts);
    expect(generated).toBeInstanceOf(Buffer);
    expect([...generated]).toEqual([...mqttPacket.generate(real.packet as mqttPacket.Packet, real.opts as never)]);
  });

  it('writeToStream with Uint8Array publish payloads (what the SDK passes) writes the real generator’s bytes', () => {
    for (const [i, mine] of samplePackets((bytes) => Buffer.from(bytes)).entries()) {
      const packet = mine.packet as { cmd: string; payload?: Uint8Array };
      if (packet.cmd === 'publish') packet.payload = new Uint8Array(packet.payload!);
      const real = samplePackets((bytes) => NodeBuffer.from(bytes))[i]!;
      const chunks: Uint8Array[] = [];
      const errors: unknown[] = [];
      const stream = {
        write(chunk: unknown): boolean {
          chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
          return true;
        },
        destroy(error: unknown): void {
          errors.push(error);
        },
      };
      expect(standIn.writeToStream(packet, stream, mine.opts), mine.name).toBe(true);
      expect(errors, mine.name).toEqual([]);
      expect([...Buffer.concat(chunks)], mine.name).toEqual([...mqttPacket.generate(real.packet as mqttPacket.Packet, real.opts as never)]);
    }
  });

  it('random publish packets generate the same bytes as the real mqtt-packet', () => {
    const publishArb = fc.record({
      topic: textArb.filter((t) => t.length > 0),
      payload: bytesArb,
      qos: fc.constantFrom(0, 1, 2),
      messageId: fc.integer({ min: 1, max: 0xffff }),
      retain: fc.boolean(),
      dup: fc.boolean(),
      v5: fc.boolean(),
      user: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(textArb, fc.array(textArb, { minLength: 1, maxLength: 3 })), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(publishArb, ({ topic, payload, qos, messageId, retain, dup, v5, user }) => {
        const make = (bytes: Uint8Array) => ({
          cmd: 'publish', topic, payload: bytes, qos, messageId, retain, dup,
          ...(v5 ? { properties: { userProperties: user, messageExpiryInterval: 0xffffffff } } : {}),
        });
        const opts = { protocolVersion: v5 ? 5 : 4 };
        const mine = standIn.generate(make(Buffer.from(payload)), opts);
        const real = mqttPacket.generate(make(NodeBuffer.from(payload)) as mqttPacket.Packet, opts as never);
        expect([...mine]).toEqual([...real]);
      }),
      runs(500),
    );
  });
});
