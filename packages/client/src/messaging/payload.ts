import { ErrorCode, WebMqttError } from '../core/errors';

let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;

/** UTF-8 bytes of a string; the encoder is created on first use, not at import. */
export function utf8Encode(text: string): Uint8Array {
  encoder ??= new TextEncoder();
  return encoder.encode(text);
}

/** Text of UTF-8 bytes (invalid sequences become U+FFFD). */
export function utf8Decode(bytes: Uint8Array): string {
  decoder ??= new TextDecoder();
  return decoder.decode(bytes);
}

/**
 * Turns what a user may publish into bytes: a string (UTF-8), a Uint8Array (as is, Node Buffers included),
 * an ArrayBuffer or any other ArrayBuffer view. Anything else is an `INVALID_PAYLOAD` error, returned not thrown.
 */
export function encodePayload(payload: unknown): Uint8Array | WebMqttError {
  if (typeof payload === 'string') return utf8Encode(payload);
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const got = payload === null ? 'null' : Array.isArray(payload) ? 'an array' : `a ${typeof payload}`;
  return new WebMqttError(
    ErrorCode.INVALID_PAYLOAD,
    `Payload must be a string or a Uint8Array (got ${got}). Serialise objects first, e.g. JSON.stringify(value).`,
    { field: 'payload' },
  );
}
