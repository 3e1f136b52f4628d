// Runs under `node --expose-gc`: the heap one client holds for N queued publishes (made while not connected) or
// for N live subscriptions, measured after GC as the difference to the same client before it.
//   node --expose-gc memory-child-heap.mjs <webmqtt|mqtt> <queue0|queue1|subs> <broker url> <count>
// queue0 / queue1: N × 64 B publishes at QoS 0 / 1 while the broker is unreachable (a closed port), the client
// trying to connect. webmqtt: its offline queue (offlineQueue.maxMessages raised to N, maxBytes to 64 MiB; the defaults are 1,000 and 1 MiB, counting the topic with the payload).
// MQTT.js: what it keeps while disconnected — QoS 0 in its `queue` (queueQoSZero, on by default), QoS 1 in its
// outgoing store (and `outgoing` callbacks). subs: N subscriptions to distinct topics, connected to the dev broker;
// webmqtt with one handler each (its API), MQTT.js with its single 'message' listener (its API has no per-topic
// handler; an app routing by topic would add its own map on top).
import mqtt from 'mqtt';
import { createClient } from '../../packages/client/dist/index.mjs';

const [kind, what, url, countArg] = process.argv.slice(2);
const count = Number(countArg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function settle() {
  await sleep(100);
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
}
const heap = () => process.memoryUsage().heapUsed;
const payloads = Array.from({ length: count }, () => new Uint8Array(64)); // allocated before the baseline
const topics = Array.from({ length: count }, (_, i) => `mem/${what}/${i}`);
const noop = () => {};

let client;
let check = () => ({});
if (what.startsWith('queue')) {
  const qos = what === 'queue1' ? 1 : 0;
  if (kind === 'webmqtt') {
    client = createClient({ url, clientId: `memq_${kind}`, offlineQueue: { maxMessages: count, maxBytes: 1 << 26 }, reconnect: { initialDelayMs: 60_000, jitter: 'none' } });
    client.on('error', noop);
    client.connect().catch(noop);
  } else {
    client = mqtt.connect(url, { clientId: `memq_${kind}`, reconnectPeriod: 60_000, connectTimeout: 60_000 });
    client.on('error', noop);
  }
  await sleep(300); // the first attempt has failed: the client is waiting to retry
  await settle();
  const before = heap();
  for (let i = 0; i < count; i++) {
    if (kind === 'webmqtt') client.publish('mem/queue', payloads[i], { qos }).catch(noop);
    else client.publish('mem/queue', payloads[i], { qos }, noop);
  }
  await settle();
  const after = heap();
  if (kind === 'webmqtt') check = () => ({ held: client.queued.size });
  else check = () => ({ held: qos === 0 ? client.queue.length : Object.keys(client.outgoing).length });
  process.send({ kind, what, count, qos, heapDelta: after - before, ...check() });
} else {
  if (kind === 'webmqtt') {
    client = createClient({ url, clientId: `mems_${kind}` });
    await client.connect();
  } else {
    client = mqtt.connect(url, { clientId: `mems_${kind}` });
    client.on('error', noop);
    await new Promise((r) => client.once('connect', r));
    client.on('message', noop);
  }
  await settle();
  const before = heap();
  if (kind === 'webmqtt') await Promise.all(topics.map((t) => client.subscribe(t, noop, { qos: 1 })));
  else await Promise.all(topics.map((t) => client.subscribeAsync(t, { qos: 1 })));
  await settle();
  const after = heap();
  process.send({ kind, what, count, heapDelta: after - before, held: kind === 'webmqtt' ? count : Object.keys(client._resubscribeTopics ?? {}).length });
}
process.exit(0);
