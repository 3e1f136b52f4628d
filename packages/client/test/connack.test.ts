import { describe, expect, it } from 'vitest';
import { MAX_IN_FLIGHT, classifyRefusal, connectedInfo, reasonText, refusalError } from '../src/connection/connack';
import { ErrorCode } from '../src/core/errors';

describe('classifyRefusal', () => {
  it.each([
    [1, 'protocol'],
    [2, 'other'],
    [3, 'unavailable'],
    [4, 'auth'],
    [5, 'auth'],
    [6, 'other'],
  ] as const)('MQTT 3.1.1 return code %s is %s', (code, kind) => {
    expect(classifyRefusal(code, 4)).toBe(kind);
  });

  it.each([
    [0x80, 'other'],
    [0x81, 'other'],
    [0x84, 'protocol'],
    [0x85, 'other'],
    [0x86, 'auth'],
    [0x87, 'auth'],
    [0x8c, 'auth'],
    [0x88, 'unavailable'],
    [0x89, 'unavailable'],
    [0x8a, 'other'],
    [0x9c, 'unavailable'],
    [0x9d, 'unavailable'],
    [0x9f, 'unavailable'],
    [0x97, 'other'],
  ] as const)('MQTT 5 reason code %s is %s', (code, kind) => {
    expect(classifyRefusal(code, 5)).toBe(kind);
  });

  it('reads a 3.1.1 return code 1 as a protocol refusal even on an MQTT 5 attempt (old broker answering v5)', () => {
    expect(classifyRefusal(1, 5)).toBe('protocol');
  });

  it('does not read v5 auth codes as auth on 3.1.1, nor 3.1.1 auth codes on v5', () => {
    expect(classifyRefusal(0x87, 4)).not.toBe('auth');
    expect(classifyRefusal(5, 5)).not.toBe('auth');
  });
});

describe('reasonText', () => {
  it('names known codes per version', () => {
    expect(reasonText(5, 4)).toBe('not authorized');
    expect(reasonText(0x87, 5)).toBe('not authorized');
    expect(reasonText(0x9c, 5)).toBe('use another server');
    expect(reasonText(1, 5)).toBe('unacceptable protocol version');
  });

  it.each([
    [0x00, 'normal disconnection'],
    [0x89, 'server busy'],
    [0x8b, 'server shutting down'],
    [0x8d, 'keep alive timeout'],
    [0x8e, 'session taken over'],
    [0x98, 'administrative action'],
    [0x9d, 'server moved'],
    [0xa0, 'maximum connect time'],
  ] as const)('names the MQTT 5 DISCONNECT reason code %s (%s)', (code, text) => {
    expect(reasonText(code, 5)).toBe(text);
  });

  it('shows an unknown code in hex', () => {
    expect(reasonText(0x87, 4)).toBe('reason code 0x87');
    expect(reasonText(0xfe, 5)).toBe('reason code 0xfe');
  });
});

describe('refusalError', () => {
  it.each([
    [4, 4],
    [5, 4],
    [0x86, 5],
    [0x87, 5],
    [0x8c, 5],
  ] as const)('code %s on v%s is AUTH_FAILED, not retryable, with the reason code', (code, version) => {
    const error = refusalError(code, version);
    expect(error).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: false, reasonCode: code });
    expect(error.message).toMatch(/auth\.placement/);
  });

  it.each([
    [2, 4, false],
    [0x85, 5, false],
    [0x8a, 5, false],
    [3, 4, true],
    [1, 4, true],
    [0x88, 5, true],
    [0x89, 5, true],
    [0x80, 5, true],
    [0x9f, 5, true],
  ] as const)('code %s on v%s is CONNECTION_REFUSED with retryable %s', (code, version, retryable) => {
    expect(refusalError(code, version)).toMatchObject({ code: ErrorCode.CONNECTION_REFUSED, retryable, reasonCode: code });
  });

  it('says what the broker said', () => {
    expect(refusalError(0x89, 5).message).toContain('server busy');
  });
});

describe('connectedInfo', () => {
  it('takes the broker Receive Maximum, capped at MAX_IN_FLIGHT, and 65,535 when the broker names none', () => {
    expect(connectedInfo({ sessionPresent: true, properties: { receiveMaximum: 10 } }, 5)).toEqual({ sessionPresent: true, protocolVersion: 5, receiveMaximum: 10, properties: { receiveMaximum: 10 } });
    expect(connectedInfo({ properties: { receiveMaximum: 5_000 } }, 5).receiveMaximum).toBe(MAX_IN_FLIGHT);
    expect(connectedInfo({ sessionPresent: false }, 4)).toEqual({ sessionPresent: false, protocolVersion: 4, receiveMaximum: MAX_IN_FLIGHT, properties: undefined });
  });
});
