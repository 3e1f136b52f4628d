// Runs under `node --expose-gc`: N forced reconnects of one client, heap / listeners / timers before and after.
import mqtt from 'mqtt';
import { createClient } from '../../packages/client/dist/index.mjs';

const [kind, url, countArg] = process.argv.slice(2);
const count = Number(countArg);

function listenerTotal(emitter) {
  if (!emitter?.eventNames) return 0;
  return emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

async function settle() {
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
}

let client;
let inner; // the MQTT.js client underneath
let drop;
let onConnect;
if (kind === 'webmqtt') {
  client = createClient({ url, clientId: 'mem_webmqtt', protocolVersion: 4, reconnect: { initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' } });
  await client.connect();
  await client.subscribe('mem/t', () => {}, { qos: 1 });
  inner = client.connection?.mqtt;
  drop = () => client.simulateConnectionLoss();
  onConnect = (fn) => client.once('connect', fn);
} else {
  client = mqtt.connect(url, { clientId: 'mem_mqtt', protocolVersion: 4, reconnectPeriod: 1 });
  client.on('error', () => {});
  await new Promise((r) => client.once('connect', r));
  await client.subscribeAsync('mem/t', { qos: 1 });
  inner = client;
  drop = () => client.stream.destroy();
  onConnect = (fn) => client.once('connect', fn);
}

const snapshot = () => ({
  heapUsed: process.memoryUsage().heapUsed,
  sdkListeners: kind === 'webmqtt' ? listenerTotal(client.emitter) : undefined,
  mqttListeners: listenerTotal(inner),
  streamListeners: listenerTotal(inner?.stream),
  timers: timers(),
});

await settle();
const before = snapshot();
const started = Date.now();
let done = 0;
for (let i = 0; i < count; i++) {
  const connected = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`reconnect ${i} took over 10 s`)), 10_000);
    onConnect(() => { clearTimeout(t); resolve(); });
  });
  drop();
  await connected;
  done++;
}
const elapsedMs = Date.now() - started;
// One message through, to show the client still works after the storm.
let works = false;
if (kind === 'webmqtt') {
  await client.subscribe('mem/check', () => (works = true), { qos: 1 });
  await client.publish('mem/check', 'x', { qos: 1 });
} else {
  client.on('message', (t) => { if (t === 'mem/check') works = true; });
  await client.subscribeAsync('mem/check', { qos: 1 });
  await client.publishAsync('mem/check', 'x', { qos: 1 });
}
await new Promise((r) => setTimeout(r, 200));
await settle();
const after = snapshot();
process.send({ kind, reconnects: done, elapsedMs, before, after, works });
if (kind === 'webmqtt') await client.close();
else await client.endAsync(true);
process.exit(0);
