import type { IClientOptions, MqttClient } from 'mqtt';
import type { WebSocketLike } from '../connection/batching-socket';
import { TRANSPORT_FAILURE, setEngineHook } from './engine-hooks';

/** How the engine opens sockets and schedules its back-pressure checks (from the SDK's factory and clock). */
export interface EngineTransport {
  /** Opens the browser WebSocket an attempt runs on; undefined where MQTT.js's own transport is used (Node). */
  createSocket: ((url: string, protocols: string[]) => WebSocketLike) | undefined;
  setTimeout: (fn: () => void, ms: number) => unknown;
}

/** `mqtt.connect` as the SDK calls it. */
export type EngineConnect = (url: string, options: IClientOptions, transport: EngineTransport) => MqttClient;

/**
 * The default engine (Node, and bundlers that do not pick the `browser` export condition): MQTT.js's own
 * build through its default export, loaded on the first connection. In a browser it is MQTT.js's prebuilt
 * dist; the browser artefacts use lean-engine.ts instead.
 */
export async function loadEngine(): Promise<EngineConnect> {
  // The words for Node's transport errors (TLS, HTTP status) come with the engine: a chunk of their own.
  const [imported, failures] = await Promise.all([import('mqtt'), import('./node-transport-failure')]);
  const loaded = imported as unknown as { default?: { connect: Connect }; connect?: Connect };
  const mqtt = loaded.default ?? (loaded as { connect: Connect });
  return (url, options, transport) => {
    const create = transport.createSocket;
    if (!create) {
      const client = mqtt.connect(url, options);
      setEngineHook(client, TRANSPORT_FAILURE, failures.transportFailure);
      return client;
    }
    // Outside a page or worker (tests) MQTT.js takes its browser transport only when told to.
    return mqtt.connect(url, { ...options, forceNativeWebSocket: true, createWebsocket: (u: string, p: string[]) => create(u, p) } as IClientOptions);
  };
}

type Connect = (url: string, options: IClientOptions) => MqttClient;
