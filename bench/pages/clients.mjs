// One adapter per client under test, all with the same shape, so every case runs the same page code:
//   const c = await open(url, clientId); await c.subscribe(topic, qos, onPayload);
//   c.publish(topic, bytes, qos); c.flush(); await c.close();
import { RawMqttClient } from './raw-ws-client.mjs';

const noop = () => {};

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

async function webmqtt(url, clientId, extra = {}, variant) {
  // A variant is a bundle built by bench/tools/build-variant.mjs, to compare builds in one run.
  const { createClient } = await import(variant ? `/bench/variants/${variant}.mjs` : '/client/webmqtt.browser.mjs');
  // No protocolVersion: the default ('auto': MQTT 5, 3.1.1 when the broker cannot speak 5), so the client lives
  // within the Receive Maximum a default broker announces. `extra` may pin it (webmqtt-v4, webmqtt-v5).
  const client = createClient({ url, clientId, ...extra });
  await client.connect();
  return {
    client,
    info: () => ({ version: client.protocolVersion }),
    async subscribe(topic, qos, onPayload) {
      await client.subscribe(topic, (m) => onPayload(m.payload), { qos });
    },
    publish(topic, bytes, qos) {
      client.publish(topic, bytes, { qos }).catch(noop);
    },
    flush: noop,
    close: () => client.close(),
  };
}

async function mqttjs(url, clientId, extra = {}) {
  const mqtt = (await import('/mqtt/mqtt.esm.js')).default;
  const client = mqtt.connect(url, { clientId, protocolVersion: 4, ...extra });
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const handlers = new Map();
  client.on('message', (topic, payload) => handlers.get(topic)?.(payload));
  return {
    client,
    info: () => ({ version: client.options.protocolVersion }),
    subscribe(topic, qos, onPayload) {
      handlers.set(topic, onPayload);
      return new Promise((resolve, reject) => client.subscribe(topic, { qos }, (e) => (e ? reject(e) : resolve())));
    },
    // What most code does: fire and forget, no per-message callback.
    publish(topic, bytes, qos) {
      client.publish(topic, bytes, { qos });
    },
    flush: noop,
    close: () => new Promise((resolve) => client.end(false, {}, resolve)),
  };
}

async function paho(url, clientId) {
  if (!globalThis.Paho) await loadScript('/paho/paho-mqtt.js');
  const client = new globalThis.Paho.Client(url, clientId);
  const handlers = new Map();
  client.onMessageArrived = (m) => handlers.get(m.destinationName)?.(m.payloadBytes);
  await new Promise((resolve, reject) => client.connect({ mqttVersion: 4, cleanSession: true, timeout: 10, onSuccess: resolve, onFailure: (e) => reject(new Error(e.errorMessage)) }));
  return {
    client,
    subscribe(topic, qos, onPayload) {
      handlers.set(topic, onPayload);
      return new Promise((resolve, reject) => client.subscribe(topic, { qos, onSuccess: resolve, onFailure: (e) => reject(new Error(String(e.errorMessage))) }));
    },
    publish(topic, bytes, qos) {
      client.send(topic, bytes, qos, false);
    },
    flush: noop,
    close: async () => {
      try { client.disconnect(); } catch { /* already gone */ }
    },
  };
}

async function raw(url, clientId, batch, windowed = false) {
  let client = new RawMqttClient({ batch, windowed, version: windowed ? 5 : 4 });
  try {
    await client.connect(url, clientId);
  } catch (error) {
    // As webmqtt's 'auto': a broker that refuses MQTT 5 (the dev broker, aedes) gets 3.1.1.
    if (!windowed || !error.beforeConnack) throw error;
    client = new RawMqttClient({ batch, windowed, version: 4 });
    await client.connect(url, clientId);
  }
  return {
    client,
    info: () => ({ version: client.version, window: Number.isFinite(client.window) ? client.window : 'none', maxInFlight: client.maxInFlight }),
    subscribe: (topic, qos, onPayload) => client.subscribe(topic, qos, onPayload),
    publish: (topic, bytes, qos) => client.publish(topic, bytes, qos),
    flush: () => client.flush(),
    close: async () => client.close(),
  };
}

async function tunedMqttFactory() {
  const mqtt = (await import('/mqtt/mqtt.esm.js')).default;
  // Public API: ClientOptions.mqttFactory. MQTT.js re-arms its keepalive timer on every packet
  // received unless told not to.
  return (url, options) => mqtt.connect(url, { ...options, reschedulePings: false });
}

const variants = {
  get(target, name) {
    if (name in target) return target[name];
    const m = /^webmqtt@([\w.-]+)$/.exec(String(name));
    return m ? { label: `webmqtt (build ${m[1]})`, open: (url, id) => webmqtt(url, id, {}, m[1]) } : undefined;
  },
};

export const CLIENTS = new Proxy({
  webmqtt: { label: 'webmqtt (defaults)', open: (url, id) => webmqtt(url, id) },
  'webmqtt-v4': { label: 'webmqtt (protocolVersion 4)', open: (url, id) => webmqtt(url, id, { protocolVersion: 4 }) },
  'webmqtt-v5': { label: 'webmqtt (protocolVersion 5)', open: (url, id) => webmqtt(url, id, { protocolVersion: 5 }) },
  'webmqtt-tuned': { label: 'webmqtt (mqttFactory: reschedulePings false)', open: async (url, id) => webmqtt(url, id, { mqttFactory: await tunedMqttFactory() }) },
  mqtt: { label: 'MQTT.js 5 (defaults)', open: (url, id) => mqttjs(url, id) },
  'mqtt-tuned': { label: 'MQTT.js 5 (reschedulePings false)', open: (url, id) => mqttjs(url, id, { reschedulePings: false }) },
  'mqtt-v5': { label: 'MQTT.js 5 (protocolVersion 5)', open: (url, id) => mqttjs(url, id, { protocolVersion: 5 }) },
  paho: { label: 'Paho JS', open: (url, id) => paho(url, id) },
  raw: { label: 'raw WebSocket (1 PUBLISH/frame)', open: (url, id) => raw(url, id, 1) },
  'raw-batch': { label: 'raw WebSocket (32 PUBLISH/frame)', open: (url, id) => raw(url, id, 32) },
  'raw-window': { label: 'raw WebSocket within the broker window (1 PUBLISH/frame)', open: (url, id) => raw(url, id, 1, true) },
  'raw-window-batch': { label: 'raw WebSocket within the broker window (freed slots in one frame)', open: (url, id) => raw(url, id, 32, true) },
}, variants);
