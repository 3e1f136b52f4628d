import { ErrorCode, WebMqttError } from '../core/errors';

/**
 * At most this many QoS 1/2 publishes unacknowledged at once, whatever the broker allows (3.1.1 has no limit).
 * A half-open link goes unnoticed for up to 1.5 keepalive periods while publishes go on; MQTT.js re-sends every
 * unacknowledged one after the next CONNACK, one round trip each, before it reports the connection. Without a
 * cap that replay grows with the outage (1,000+ messages, a minute of `connecting` in the chaos run); with it,
 * it takes at most MAX_IN_FLIGHT round trips.
 */
export const MAX_IN_FLIGHT = 100;

/** Facts from a CONNACK the publish and subscribe layers need. */
export interface ConnectedInfo {
  sessionPresent: boolean;
  protocolVersion: 4 | 5;
  /**
   * How many QoS 1/2 publishes may be unacknowledged at once: the broker's Receive Maximum (MQTT 5),
   * at most {@link MAX_IN_FLIGHT}.
   */
  receiveMaximum: number;
  /** MQTT 5 CONNACK properties, when any. */
  properties: Record<string, unknown> | undefined;
}

/** What an accepting CONNACK tells the layers above. Pure. */
export function connectedInfo(packet: Record<string, unknown>, protocolVersion: 4 | 5): ConnectedInfo {
  const properties = packet['properties'] as Record<string, unknown> | undefined;
  const brokerMaximum = typeof properties?.['receiveMaximum'] === 'number' ? properties['receiveMaximum'] : 65_535;
  return { sessionPresent: packet['sessionPresent'] === true, protocolVersion, receiveMaximum: Math.min(brokerMaximum, MAX_IN_FLIGHT), properties };
}

/** What a refusal means for the next attempt. */
export type RefusalKind = 'auth' | 'protocol' | 'unavailable' | 'other';

const V3_TEXT: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad username or password',
  5: 'not authorized',
};

// Every MQTT 5 reason code a server may send in a CONNACK or a DISCONNECT (MQTT 5.0, section 2.4).
const V5_TEXT: Record<number, string> = {
  0x00: 'normal disconnection',
  0x80: 'unspecified error', 0x81: 'malformed packet', 0x82: 'protocol error', 0x83: 'implementation specific error',
  0x84: 'unsupported protocol version', 0x85: 'client identifier not valid', 0x86: 'bad user name or password',
  0x87: 'not authorized', 0x88: 'server unavailable', 0x89: 'server busy', 0x8a: 'banned',
  0x8b: 'server shutting down', 0x8c: 'bad authentication method', 0x8d: 'keep alive timeout', 0x8e: 'session taken over',
  0x8f: 'topic filter invalid', 0x90: 'topic name invalid', 0x93: 'receive maximum exceeded', 0x94: 'topic alias invalid',
  0x95: 'packet too large', 0x96: 'message rate too high', 0x97: 'quota exceeded', 0x98: 'administrative action',
  0x99: 'payload format invalid', 0x9a: 'retain not supported', 0x9b: 'QoS not supported', 0x9c: 'use another server',
  0x9d: 'server moved', 0x9e: 'shared subscriptions not supported', 0x9f: 'connection rate exceeded',
  0xa0: 'maximum connect time', 0xa1: 'subscription identifiers not supported', 0xa2: 'wildcard subscriptions not supported',
};

/** Classifies a CONNACK return code (3.1.1) or reason code (5). Pure. */
export function classifyRefusal(code: number, protocolVersion: 4 | 5): RefusalKind {
  if (protocolVersion === 5 ? code === 0x86 || code === 0x87 || code === 0x8c : code === 4 || code === 5) return 'auth';
  if (code === 1 || code === 0x84) return 'protocol';
  if (code === 3 || code === 0x88 || code === 0x89 || code === 0x9c || code === 0x9d || code === 0x9f) return 'unavailable';
  return 'other';
}

/** Human text of a CONNACK / DISCONNECT code. */
export function reasonText(code: number, protocolVersion: 4 | 5): string {
  const text = protocolVersion === 5 ? V5_TEXT[code] ?? V3_TEXT[code] : V3_TEXT[code];
  return text ?? `reason code 0x${code.toString(16)}`;
}

/** The typed error for a broker's refusal of a CONNECT. */
export function refusalError(code: number, protocolVersion: 4 | 5): WebMqttError {
  const kind = classifyRefusal(code, protocolVersion);
  const text = reasonText(code, protocolVersion);
  if (kind === 'auth') {
    return new WebMqttError(ErrorCode.AUTH_FAILED, `The broker refused the credentials (${text}); check the token and where it is placed (auth.placement).`, {
      reasonCode: code,
      retryable: false,
    });
  }
  return new WebMqttError(ErrorCode.CONNECTION_REFUSED, `The broker refused the connection (${text}).`, {
    reasonCode: code,
    // A rejected client id or a ban will not change by retrying.
    retryable: !(code === 2 || code === 0x85 || code === 0x8a),
  });
}
