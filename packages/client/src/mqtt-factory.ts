import type { IClientOptions, MqttClient } from 'mqtt';
import { BatchingSocket } from './batching-socket';
import { nextTurn } from './next-turn';
import { systemClock } from './clock';

/**
 * Creates the MQTT.js client the connection runs on. Injected so unit tests use a fake
 * and never open sockets. Called once per webmqtt client; reconnects reuse that MQTT.js client
 * so its in-flight QoS 1/2 stores survive a dropped socket.
 */
export type MqttFactory = (url: string, options: IClientOptions) => MqttClient | Promise<MqttClient>;

/** Largest WebSocket message the default factory's sockets send. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** Options MQTT.js hands to Node's `ws` for wss: with any of them the caller wants Node's TLS, not ours. */
const NODE_TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized'];

/** MQTT.js takes its browser transport (and calls `createWebsocket`) only where this holds. */
function browserTransport(options: IClientOptions): boolean {
  if (typeof WebSocket !== 'function') return false;
  const g = globalThis as { window?: { document?: unknown }; document?: unknown };
  const page = g.window !== undefined && g.window.document !== undefined;
  const worker = typeof self === 'object' && /WorkerGlobalScope/.test(String((self as object).constructor?.name));
  if (!page && !worker) return false;
  return !NODE_TLS_OPTIONS.some((key) => (options as Record<string, unknown>)[key] !== undefined);
}

/**
 * The options MQTT.js gets from the default factory: in a browser, its WebSocket is a
 * {@link BatchingSocket} (bounded WebSocket messages, incoming messages handed over in batches).
 */
export function withBatchingSocket(options: IClientOptions): IClientOptions {
  if (!browserTransport(options)) return options;
  const later = nextTurn(systemClock);
  return {
    ...options,
    // Outside a page or worker (tests) MQTT.js takes its browser transport only when told to.
    forceNativeWebSocket: true,
    createWebsocket: (url: string, protocols: string[]) =>
      new BatchingSocket(new WebSocket(url, protocols), {
        maxMessageBytes: MAX_WS_MESSAGE_BYTES,
        deliverLater: (fn) => void later(fn),
      }) as unknown as WebSocket,
  } as IClientOptions;
}

/**
 * MQTT.js through its default export (the only form its prebuilt browser build offers), loaded on
 * the first connection: importing webmqtt evaluates none of MQTT.js, which reads browser globals.
 */
export const defaultMqttFactory: MqttFactory = async (url, options) => {
  const loaded = (await import('mqtt')) as unknown as { default?: { connect: typeof connect }; connect?: typeof connect };
  const mqtt = loaded.default ?? (loaded as { connect: typeof connect });
  return mqtt.connect(url, withBatchingSocket(options));
};

declare function connect(url: string, options: IClientOptions): MqttClient;
