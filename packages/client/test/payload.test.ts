import { describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError } from '../src/core/errors';
import { encodePayload, utf8Decode, utf8Encode } from '../src/messaging/payload';

describe('encodePayload', () => {
  it('encodes a string as UTF-8', () => {
    expect(encodePayload('Hello 🌍')).toEqual(new Uint8Array(Buffer.from('Hello 🌍')));
    expect(encodePayload('')).toEqual(new Uint8Array());
  });

  it('returns a Uint8Array (and a Node Buffer) as it is', () => {
    const bytes = new Uint8Array([1, 2]);
    expect(encodePayload(bytes)).toBe(bytes);
    const buffer = Buffer.from([3]);
    expect(encodePayload(buffer)).toBe(buffer);
  });

  it('wraps an ArrayBuffer without copying', () => {
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const out = encodePayload(buffer) as Uint8Array;
    expect(out).toEqual(new Uint8Array([1, 2, 3]));
    expect(out.buffer).toBe(buffer);
  });

  it('views other ArrayBuffer views byte for byte, respecting offset and length', () => {
    const words = new Uint16Array([0x0102, 0x0304, 0x0506]);
    const view = new DataView(words.buffer, 2, 2);
    const out = encodePayload(view) as Uint8Array;
    expect(out.byteLength).toBe(2);
    expect(out.buffer).toBe(words.buffer);
    expect(out.byteOffset).toBe(2);
    expect((encodePayload(words) as Uint8Array).byteLength).toBe(6);
  });

  it.each([
    ['a number', 42, 'a number'],
    ['an object', { a: 1 }, 'a object'],
    ['an array', [1, 2], 'an array'],
    ['null', null, 'null'],
    ['undefined', undefined, 'a undefined'],
    ['a boolean', true, 'a boolean'],
  ])('returns (not throws) INVALID_PAYLOAD for %s', (_name, value, shown) => {
    const result = encodePayload(value);
    expect(result).toBeInstanceOf(WebMqttError);
    expect(result).toMatchObject({ code: ErrorCode.INVALID_PAYLOAD, field: 'payload', retryable: false });
    expect((result as WebMqttError).message).toContain(`got ${shown}`);
    expect((result as WebMqttError).message).toMatch(/JSON\.stringify/);
  });
});

describe('utf8', () => {
  it('round-trips text', () => {
    const text = 'ünïcødé ✓ 漢字';
    expect(utf8Decode(utf8Encode(text))).toBe(text);
  });

  it('decodes invalid sequences to U+FFFD instead of throwing', () => {
    expect(utf8Decode(new Uint8Array([0xc3]))).toBe('\uFFFD');
  });
});
