import type { WebMqttError } from '../core/errors';

/**
 * What an engine may add to the MQTT.js client it makes, for the connection to read (never for users): under
 * registry symbols, non-enumerable, so the engines (Node's, the lean browser one) need not share a module.
 */

/** Bytes as the engine's mqtt-packet takes a binary password (its own Buffer: it checks `instanceof Buffer`). */
export const ENGINE_BYTES = Symbol.for('webmqtt.engineBytes');

/** Reads a transport error of this engine (Node: TLS, HTTP status, refused port) as a named failure. */
export const TRANSPORT_FAILURE = Symbol.for('webmqtt.transportFailure');

export type EngineBytes = (bytes: Uint8Array) => Uint8Array;
export type TransportFailure = (error: { code?: unknown; message?: unknown }, where: string) => WebMqttError | undefined;

export function setEngineHook(client: object, key: symbol, value: unknown): void {
  Object.defineProperty(client, key, { value });
}

export function engineHook<T>(client: object | undefined, key: symbol): T | undefined {
  return client ? ((client as Record<symbol, unknown>)[key] as T | undefined) : undefined;
}
