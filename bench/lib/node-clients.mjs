// Node.js clients for the reconnect, herd and memory cases: the SDK's own dist build (in Node it
// resolves mqtt to MQTT.js's Node build) and raw MQTT.js, behind one small interface.
import mqtt from 'mqtt';
import { createClient } from '../../packages/client/dist/index.mjs';

export const CLIENT_KINDS = {
  webmqtt: 'webmqtt (defaults: 1 s initial, full jitter)',
  'webmqtt-fast': 'webmqtt (reconnect.initialDelayMs 250)',
  'webmqtt-wide': 'webmqtt (reconnect.initialDelayMs 5000, full jitter)',
  mqtt: 'MQTT.js 5.16 (reconnectPeriod 1000)',
};

export async function openNodeClient(kind, url, clientId, { onConnect, onAttempt } = {}) {
  if (kind === 'mqtt') {
    const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 1000 });
    client.on('error', () => {});
    if (onConnect) client.on('connect', onConnect);
    // MQTT.js emits 'reconnect' as each new attempt starts.
    if (onAttempt) client.on('reconnect', onAttempt);
    await new Promise((resolve, reject) => {
      client.once('connect', resolve);
      setTimeout(() => reject(new Error('MQTT.js connect timeout')), 15_000).unref();
    });
    const handlers = new Map();
    client.on('message', (topic, payload) => handlers.get(topic)?.(payload));
    return {
      raw: client,
      subscribe: (topic, qos, fn) => {
        handlers.set(topic, fn);
        return client.subscribeAsync(topic, { qos });
      },
      publish: (topic, bytes, qos) => client.publish(topic, Buffer.from(bytes), { qos }),
      close: () => client.endAsync(true),
    };
  }
  const reconnect = kind === 'webmqtt-fast' ? { initialDelayMs: 250 } : kind === 'webmqtt-wide' ? { initialDelayMs: 5_000 } : undefined;
  const client = createClient({ url, clientId, protocolVersion: 4, ...(reconnect ? { reconnect } : {}) });
  client.on('error', () => {});
  if (onConnect) client.on('connect', onConnect);
  if (onAttempt) client.on('state', ({ current }) => { if (current === 'connecting') onAttempt(); });
  await client.connect();
  return {
    raw: client,
    subscribe: (topic, qos, fn) => client.subscribe(topic, (m) => fn(m.payload), { qos }),
    publish: (topic, bytes, qos) => client.publish(topic, bytes, { qos }).catch(() => {}),
    close: () => client.close(),
  };
}
