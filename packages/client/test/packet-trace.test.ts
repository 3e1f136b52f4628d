import { describe, expect, it } from 'vitest';
import { redactPacket } from '../src/messaging/packet-trace';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('redactPacket', () => {
  it('redacts the CONNECT password (string or bytes)', () => {
    expect(redactPacket({ cmd: 'connect', username: 'dash', password: 'hunter2' })).toEqual({ cmd: 'connect', username: 'dash', password: '[REDACTED]' });
    expect(redactPacket({ cmd: 'connect', password: Buffer.from('x') })['password']).toBe('[REDACTED]');
  });

  it('leaves a missing password missing', () => {
    expect(redactPacket({ cmd: 'connect', username: 'dash' })).toEqual({ cmd: 'connect', username: 'dash' });
    expect('password' in redactPacket({ cmd: 'connect' })).toBe(false);
  });

  it('redacts a JWT-looking username', () => {
    expect(redactPacket({ cmd: 'connect', username: JWT })['username']).toBe('[REDACTED]');
    expect(redactPacket({ cmd: 'connect', username: 'abc.def.' })['username']).toBe('[REDACTED]');
  });

  it('keeps an ordinary username and the empty username', () => {
    expect(redactPacket({ cmd: 'connect', username: 'dashboard-42' })['username']).toBe('dashboard-42');
    expect(redactPacket({ cmd: 'connect', username: '' })['username']).toBe('');
  });

  it('redacts authenticationData in CONNECT and AUTH properties, keeping the other properties', () => {
    const connect = redactPacket({ cmd: 'connect', properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from('secret') } });
    expect(connect['properties']).toEqual({ authenticationMethod: 'SCRAM', authenticationData: '[REDACTED]' });
    const auth = redactPacket({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationData: Buffer.from('secret') } });
    expect(auth['properties']).toEqual({ authenticationData: '[REDACTED]' });
  });

  it('never mutates the packet MQTT.js is still using', () => {
    const authenticationData = Buffer.from('s');
    const properties = { authenticationData, sessionExpiryInterval: 5 };
    const packet = { cmd: 'connect', username: JWT, password: 'pw', properties };
    const copy = redactPacket(packet);
    expect(packet).toEqual({ cmd: 'connect', username: JWT, password: 'pw', properties: { authenticationData, sessionExpiryInterval: 5 } });
    expect(properties.authenticationData).toBe(authenticationData);
    expect(packet.properties).toBe(properties);
    expect(copy).not.toBe(packet);
    expect(copy['properties']).not.toBe(properties);
  });

  it('passes other packets through as a shallow copy', () => {
    const packet = { cmd: 'publish', topic: 'a', payload: new Uint8Array([1]), username: JWT };
    const copy = redactPacket(packet);
    expect(copy).toEqual(packet);
    expect(copy).not.toBe(packet);
  });

  it('keeps the payload as the same bytes MQTT.js holds (a shallow copy, no per-packet copying)', () => {
    const payload = new Uint8Array([1, 2]);
    const copy = redactPacket({ cmd: 'publish', topic: 'a', payload });
    expect(copy['payload']).toBe(payload);
  });
});

describe('redactPacket: one payload type both ways', () => {
  it('hands an incoming Buffer payload over as a plain Uint8Array of the same bytes', () => {
    const buffer = Buffer.from('Hello World');
    const payload = redactPacket({ cmd: 'publish', topic: 't', payload: buffer })['payload'] as Uint8Array;
    expect(payload.constructor).toBe(Uint8Array);
    expect(payload.buffer).toBe(buffer.buffer);
    expect(new TextDecoder().decode(payload)).toBe('Hello World');
    const plain = new Uint8Array([1, 2]);
    expect(redactPacket({ cmd: 'publish', payload: plain })['payload']).toBe(plain);
  });
});
