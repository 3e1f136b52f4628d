import { describe, expect, it } from 'vitest';
import { splitPackets } from '../src/packet-splitter.js';
import { publishPacket } from './helpers/mqtt-bytes.js';

describe('splitPackets', () => {
  it('returns each whole packet and no rest', () => {
    const a = publishPacket('a', 'x');
    const b = Buffer.from([0xd0, 0x00]); // PINGRESP
    expect(splitPackets(Buffer.concat([a, b]))).toEqual({ packets: [a, b], rest: Buffer.alloc(0) });
  });

  it('reads multi-byte remaining lengths', () => {
    const big = publishPacket('t', Buffer.alloc(20_000));
    expect(big[2]! & 0x80).toBe(0x80); // the length field spans more than one byte
    expect(splitPackets(big).packets).toEqual([big]);
  });

  it('keeps an unfinished packet, or an unfinished length field, as rest', () => {
    const p = publishPacket('t', Buffer.alloc(200));
    expect(splitPackets(p.subarray(0, 2))).toEqual({ packets: [], rest: p.subarray(0, 2) });
    expect(splitPackets(p.subarray(0, 50))).toEqual({ packets: [], rest: p.subarray(0, 50) });
    const joined = Buffer.concat([publishPacket('a', 'x'), p.subarray(0, 10)]);
    expect(splitPackets(joined).rest).toEqual(p.subarray(0, 10));
  });

  it('passes a malformed length field through as one chunk instead of holding it', () => {
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(splitPackets(bad)).toEqual({ packets: [bad], rest: Buffer.alloc(0) });
  });
});
