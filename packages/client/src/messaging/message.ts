import { utf8Decode } from './payload';
import type { QoS } from '../core/options';

/** A message delivered to a subscription handler, `messages()` or the `message` event. */
export interface Message {
  /** The topic the message was published to. */
  topic: string;
  /** The bytes as received, over an `ArrayBuffer` (so `new Blob([msg.payload])` type-checks). */
  payload: Uint8Array<ArrayBuffer>;
  /** The QoS the message was delivered with. */
  qos: QoS;
  /** Whether the message carries the retain flag: a retained message sent on subscribing (or, with `rap`, as it was published). */
  retain: boolean;
  /** True when the broker marked this delivery as a possible re-send (QoS 1 or 2). */
  dup: boolean;
  /** MQTT 5 properties (userProperties, contentType, correlationData, …) when the broker sent any. */
  properties?: Record<string, unknown> | undefined;
  /** The payload as UTF-8 text. */
  text(): string;
  /** The payload parsed as JSON; throws a SyntaxError when it is not JSON. */
  json<T = unknown>(): T;
}

interface IncomingPacket {
  topic: string;
  payload: Uint8Array | string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  properties?: Record<string, unknown>;
}

class ReceivedMessage implements Message {
  readonly topic: string;
  readonly payload: Uint8Array<ArrayBuffer>;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly properties?: Record<string, unknown>;

  constructor(packet: IncomingPacket, topic: string) {
    this.topic = topic;
    const raw = packet.payload;
    // Node Buffers are Uint8Arrays; view the same memory as a plain Uint8Array so users see one type.
    this.payload = typeof raw === 'string'
      ? new TextEncoder().encode(raw)
      : raw.constructor === Uint8Array ? (raw as Uint8Array<ArrayBuffer>) : new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.byteLength);
    this.qos = (packet.qos ?? 0) as QoS;
    this.retain = packet.retain === true;
    this.dup = packet.dup === true;
    if (packet.properties && Object.keys(packet.properties).length > 0) this.properties = packet.properties;
  }

  text(): string {
    return utf8Decode(this.payload);
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** Builds the public Message from an MQTT.js PUBLISH packet. */
export function createMessage(packet: IncomingPacket, topic = packet.topic): Message {
  return new ReceivedMessage(packet, topic);
}
