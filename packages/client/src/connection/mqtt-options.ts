import type { IClientOptions } from 'mqtt';
import type { NormalizedOptions } from '../core/options';

/**
 * The MQTT.js options webmqtt runs on: no MQTT.js reconnects, resubscribes or QoS 0 queue (webmqtt
 * does those), connected by hand. Nothing here names a transport: MQTT.js takes scheme, host, port and path
 * from the URL alone. Pure.
 */
export function mqttOptions(opts: NormalizedOptions, protocolVersion: 4 | 5): IClientOptions {
  const properties: Record<string, unknown> = { ...opts.properties };
  if (opts.sessionExpiryInterval !== undefined) properties['sessionExpiryInterval'] = opts.sessionExpiryInterval;
  const will = opts.will;
  return {
    clientId: opts.clientId,
    clean: opts.clean,
    keepalive: opts.keepalive,
    protocolVersion,
    reconnectPeriod: 0,
    // Our own timer decides; MQTT.js's fires later only as a backstop.
    connectTimeout: opts.connectTimeoutMs + 5_000,
    resubscribe: false,
    queueQoSZero: false,
    manualConnect: true,
    // Re-arming the keepalive timer on every packet costs a worker-timer round trip per PUBACK;
    // a ping every keepalive period regardless of traffic is just as good at finding dead sockets.
    reschedulePings: false,
    properties: Object.keys(properties).length > 0 ? (properties as IClientOptions['properties']) : undefined,
    will: will
      ? { topic: will.topic, payload: will.payload as never, qos: will.qos, retain: will.retain, properties: will.properties as never }
      : undefined,
    // TLS settings go to `ws` (which hands them to Node's tls.connect), never among MQTT.js's own options, where a
    // key could change the transport (protocol, port, …) or MQTT.js would rewrite ws: to wss: on seeing cert and key.
    wsOptions: opts.tls ? ({ ...opts.tls } as IClientOptions['wsOptions']) : undefined,
  };
}
