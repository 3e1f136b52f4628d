import { describe, expect, it } from 'vitest';
import { createMessage } from '../src/messaging/message';

describe('createMessage', () => {
  it('reads text() as UTF-8 and json() as JSON', () => {
    const message = createMessage({ topic: 't', payload: Buffer.from('{"temp":21.5,"unit":"°C"}') });
    expect(message.text()).toBe('{"temp":21.5,"unit":"°C"}');
    expect(message.json<{ temp: number }>().temp).toBe(21.5);
  });

  it('throws a SyntaxError from json() when the payload is not JSON', () => {
    expect(() => createMessage({ topic: 't', payload: Buffer.from('not json') }).json()).toThrow(SyntaxError);
  });

  it('turns a Buffer payload into a plain Uint8Array view of the same bytes', () => {
    const backing = Buffer.from('xxhelloxx');
    const buffer = backing.subarray(2, 7);
    const message = createMessage({ topic: 't', payload: buffer });
    expect(message.payload.constructor).toBe(Uint8Array);
    expect(Buffer.isBuffer(message.payload)).toBe(false);
    expect(message.payload.byteLength).toBe(5);
    expect(message.text()).toBe('hello');
    buffer[0] = 'H'.charCodeAt(0);
    expect(message.text()).toBe('Hello');
  });

  it('keeps a plain Uint8Array as it is', () => {
    const bytes = new Uint8Array([104, 105]);
    expect(createMessage({ topic: 't', payload: bytes }).payload).toBe(bytes);
  });

  it('encodes a string payload', () => {
    expect(createMessage({ topic: 't', payload: 'é' }).payload).toEqual(new Uint8Array([0xc3, 0xa9]));
  });

  it('replaces invalid UTF-8 with U+FFFD in text()', () => {
    expect(createMessage({ topic: 't', payload: new Uint8Array([0x61, 0xff]) }).text()).toBe('a\uFFFD');
  });

  it('defaults qos 0, retain false, dup false and no properties', () => {
    const message = createMessage({ topic: 'a/b', payload: new Uint8Array() });
    expect(message).toMatchObject({ topic: 'a/b', qos: 0, retain: false, dup: false });
    expect(message.properties).toBeUndefined();
  });

  it('copies qos, retain, dup and non-empty properties', () => {
    const properties = { userProperties: { a: '1' }, contentType: 'text/plain' };
    const message = createMessage({ topic: 'a', payload: new Uint8Array(), qos: 2, retain: true, dup: true, properties });
    expect(message).toMatchObject({ qos: 2, retain: true, dup: true, properties });
  });

  it('leaves out empty properties', () => {
    expect(createMessage({ topic: 'a', payload: new Uint8Array(), properties: {} }).properties).toBeUndefined();
  });

  it('uses the topic it is given over the packet topic (topic aliases)', () => {
    expect(createMessage({ topic: '', payload: new Uint8Array() }, 'resolved/topic').topic).toBe('resolved/topic');
  });
});
