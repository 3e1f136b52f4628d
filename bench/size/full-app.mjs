// Every feature a user can reach: token auth, reconnect policy, offline queue, will, events,
// async iteration, request/response, error guards.
import { createClient, isWebMqttError, ErrorCode, backoffDelay, matchTopic } from '@webmqtt/client';

const client = createClient({
  url: ['wss://a.example.com/mqtt', 'wss://b.example.com/mqtt'],
  protocolVersion: 'auto',
  auth: { token: async () => fetch('/token').then((r) => r.text()), placement: 'query' },
  reconnect: { initialDelayMs: 500, jitter: 'decorrelated' },
  offlineQueue: { maxMessages: 100, overflow: 'reject' },
  will: { topic: 'status', payload: 'offline', qos: 1, retain: true },
});
client.on('state', (s) => console.log(s.current, s.retryInMs));
client.on('queue', (q) => console.log(q.size));
client.on('packet', (p) => console.log(p.direction));
client.on('error', (e) => console.log(isWebMqttError(e) && e.code === ErrorCode.AUTH_FAILED));
await client.connect();
const sub = await client.subscribe('a/#', (m) => console.log(m.json()), { qos: 1 });
const responder = await client.respond('rpc/time', () => new Date().toISOString());
console.log((await client.request('rpc/time', 'now', { timeoutMs: 1000 })).text());
for await (const m of client.messages('b/+')) { console.log(m.topic); break; }
console.log(backoffDelay(3, { initialDelayMs: 1, maxDelayMs: 10, factor: 2, jitter: 'full', maxAttempts: 5, resetAfterMs: 0 }, Math.random), matchTopic('a/+', 'a/b'));
await responder.unsubscribe();
await sub.unsubscribe();
await client.close();
