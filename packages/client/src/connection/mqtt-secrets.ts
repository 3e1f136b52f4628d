import type { MqttClient } from 'mqtt';
import { ENGINE_BYTES, engineHook, type EngineBytes } from '../engine/engine-hooks';
import type { Credentials } from './token-auth';

/**
 * What MQTT.js keeps of the client's secrets, kept out of sight: its options hold the URL's userinfo and query,
 * the TLS settings, enhanced-auth data and the CONNECT credentials, and the publisher holds that client too. Each
 * becomes a non-enumerable property: MQTT.js reads it as usual, `JSON.stringify` and `util.inspect` walk past it.
 */

/**
 * MQTT.js options that may hold a credential: what it parsed from the URL (auth is the userinfo, query and path carry
 * the query), the TLS settings, MQTT 5 properties (authenticationData) and the CONNECT credentials.
 */
const MQTTJS_SECRET_OPTIONS = 'auth query path href wsOptions properties authPacket username password'.split(' ');

/** Sets `target[key]` as a non-enumerable property (MQTT.js reads it as usual). */
export function hideOption(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

/** Hides every option of MQTT.js's that may hold a credential (see {@link MQTTJS_SECRET_OPTIONS}). */
export function hideSecretOptions(options: Record<string, unknown>): void {
  for (const key of MQTTJS_SECRET_OPTIONS) if (Object.hasOwn(options, key)) hideOption(options, key, options[key]);
}

/** This attempt's CONNECT credentials, hidden, a binary password in the engine's own bytes. */
export function setCredentials(mqtt: MqttClient, creds: Credentials): void {
  hideOption(mqtt.options, 'username', creds.username);
  hideOption(mqtt.options, 'password', creds.password instanceof Uint8Array ? engineBytes(mqtt, creds.password) : creds.password);
}

/**
 * Bytes as the engine's mqtt-packet takes a binary password: its own Buffer (it checks `instanceof Buffer`). The
 * lean browser engine names its converter on the client (engine/lean-mqtt.ts); in Node it is the global Buffer.
 */
function engineBytes(mqtt: MqttClient, bytes: Uint8Array): Uint8Array {
  const convert = engineHook<EngineBytes>(mqtt, ENGINE_BYTES);
  if (convert) return convert(bytes);
  const NodeBuffer = (globalThis as { Buffer?: { from(buffer: ArrayBufferLike, offset: number, length: number): Uint8Array } }).Buffer;
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}
