import type { IClientOptions, MqttClient } from 'mqtt';
import { BatchingSocket } from './batching-socket';
import { nextTurn } from '../core/next-turn';
import { systemClock, type Clock } from '../core/clock';
import { loadEngine, type EngineTransport } from '../engine/mqtt-engine';

/**
 * Creates the MQTT.js client the connection runs on. Injected so unit tests use a fake
 * and never open sockets. Called once per webmqtt client; reconnects reuse that MQTT.js client
 * so its in-flight QoS 1/2 stores survive a dropped socket.
 */
export type MqttFactory = (url: string, options: IClientOptions, context?: MqttFactoryContext) => MqttClient | Promise<MqttClient>;

/** What the client hands its factory besides the URL and MQTT.js's options. */
export interface MqttFactoryContext {
  /** The client's clock: the default factory schedules everything through it. */
  clock: Clock;
  /**
   * Called as each browser WebSocket is made; the factory reports its `open` and its close code and reason there
   * (what names a refusal that comes as a close frame). Optional for a factory of one's own.
   */
  socket?: (() => SocketWatcher) | undefined;
}

/** What a factory tells the client about one WebSocket. */
export interface SocketWatcher {
  /** Called when the WebSocket's `open` event fires. */
  opened(): void;
  /** Called when the WebSocket closes, with the close frame's code and reason. */
  closed(code: number, reason: string): void;
}

/** Largest WebSocket message the default factory's sockets send. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** MQTT.js takes its browser transport (and calls `createWebsocket`) only where this holds. */
function browserTransport(options: IClientOptions): boolean {
  if (typeof WebSocket !== 'function') return false;
  const g = globalThis as { window?: { document?: unknown }; document?: unknown };
  const page = g.window !== undefined && g.window.document !== undefined;
  const worker = typeof self === 'object' && /WorkerGlobalScope/.test(String((self as object).constructor?.name));
  if (!page && !worker) return false;
  // The `tls` option reaches MQTT.js as `wsOptions` for Node's `ws` (mqtt-options.ts): with any, Node's TLS, not ours.
  return !options.wsOptions || Object.keys(options.wsOptions).length === 0;
}

/**
 * The browser WebSocket the default factory's MQTT.js runs on: a {@link BatchingSocket} (bounded WebSocket
 * messages, incoming messages handed over in batches). Undefined outside browsers and with Node TLS options.
 */
export function batchingSocketFactory(options: IClientOptions, clock: Clock, watch?: () => SocketWatcher): EngineTransport['createSocket'] {
  if (!browserTransport(options)) return undefined;
  const later = nextTurn(clock);
  return (url, protocols) => {
    const ws = new WebSocket(url, protocols);
    const watcher = watch?.();
    if (watcher) {
      ws.addEventListener('open', () => watcher.opened());
      ws.addEventListener('close', (event) => watcher.closed(event.code, event.reason));
    }
    return new BatchingSocket(ws, {
      maxMessageBytes: MAX_WS_MESSAGE_BYTES,
      // Written data leaves at the end of the task, not at its first microtask: MQTT.js handles the packets of
      // one WebSocket message one microtask each (nextTick), so a batch of PUBACKs releasing the next publishes
      // would otherwise leave as one WebSocket message per PUBACK.
      schedule: (fn) => void later(fn),
      deliverLater: (fn) => void later(fn),
    });
  };
}

/**
 * MQTT.js loaded on the first connection (importing webmqtt evaluates none of it): its own build in Node,
 * and in the browser artefacts its client built from its modules with browser stand-ins (engine/).
 */
export const defaultMqttFactory: MqttFactory = async (url, options, context) => {
  const clock = context?.clock ?? systemClock;
  const connect = await loadEngine();
  return connect(url, options, { createSocket: batchingSocketFactory(options, clock, context?.socket), setTimeout: (fn, ms) => clock.setTimeout(fn, ms) });
};
