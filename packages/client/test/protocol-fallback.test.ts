import { describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError } from '../src/core/errors';
import { ProtocolFallback } from '../src/connection/protocol-fallback';

const closedEarly = () => new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'closed before CONNACK');
const timeout = () => new WebMqttError(ErrorCode.CONNECT_TIMEOUT, 'no CONNACK');

describe('ProtocolFallback', () => {
  it('speaks the configured version and never falls back when it is fixed', () => {
    expect(new ProtocolFallback(4).version).toBe(4);
    const five = new ProtocolFallback(5);
    five.refused(1);
    expect(five.retryInV4(closedEarly())).toBe(false);
    expect(five.version).toBe(5);
  });

  it("'auto': tries 3.1.1 after a v5 refusal for the protocol version, or a close before any CONNACK", () => {
    const refused = new ProtocolFallback('auto');
    refused.refused(0x84);
    expect(refused.retryInV4(new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'x', { reasonCode: 0x84 }))).toBe(true);
    expect(refused.version).toBe(4);
    const closed = new ProtocolFallback('auto');
    expect(closed.retryInV4(closedEarly())).toBe(true);
  });

  it("'auto': a timeout or a credentials refusal is no reason to try 3.1.1", () => {
    const p = new ProtocolFallback('auto');
    expect(p.retryInV4(timeout())).toBe(false);
    p.refused(0x86);
    expect(p.retryInV4(new WebMqttError(ErrorCode.AUTH_FAILED, 'x', { reasonCode: 0x86 }))).toBe(false);
    expect(p.version).toBe(5);
  });

  it("'auto': a failed 3.1.1 try goes back to MQTT 5; an accepted one is kept for good", () => {
    const p = new ProtocolFallback('auto');
    p.retryInV4(closedEarly());
    expect(p.retryInV4(closedEarly())).toBe(false);
    expect(p.version).toBe(5);
    p.retryInV4(closedEarly());
    p.accepted();
    expect(p.retryInV4(closedEarly())).toBe(false);
    expect(p.version).toBe(4);
  });

  it("'auto': once MQTT 5 is accepted, a later close before CONNACK stays on 5", () => {
    const p = new ProtocolFallback('auto');
    p.accepted();
    expect(p.retryInV4(closedEarly())).toBe(false);
    expect(p.version).toBe(5);
  });
});
