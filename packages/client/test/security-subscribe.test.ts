import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '@webmqtt/broker';
import { createClient } from '../src/client';
import type { Message } from '../src/messaging/message';
import { flush } from './support/fake-mqtt';
import { harness } from './support/harness';

// A filter is a user's string. MQTT.js's subscribe({ [filter]: options }) reads the filters back with Object.keys
// and treats the key `resubscribe` as its own flag: a filter spelt `__proto__` (an assignment into {} sets the
// prototype) or `resubscribe` (deleted by MQTT.js) never reached the wire over MQTT 3.1.1, and subscribe() never
// settled. The browser proof is e2e/security-client.spec.ts; this one runs MQTT.js's Node build on a real broker.

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms))]);

describe('security: filters named like object internals or MQTT.js flags', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ wsPort: 0, wssPort: 0, auth: { anonymous: true } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it.each(['__proto__', 'resubscribe', 'constructor', 'hasOwnProperty'])('subscribe("%s") over MQTT 3.1.1 settles and gets its messages', async (filter) => {
    const client = createClient({ url: broker.urls.ws as string, protocolVersion: 4, reconnect: false, browserEvents: false });
    await client.connect();
    const got: Message[] = [];
    // Before the fix ('__proto__', 'resubscribe'): no SUBSCRIBE was sent and this never settled.
    const sub = await within(client.subscribe(filter, (m) => got.push(m), { qos: 1 }), 3_000, `subscribe(${JSON.stringify(filter)})`);
    await client.publish(filter, 'hello', { qos: 1 });
    await expect.poll(() => got.map((m) => m.text()), { timeout: 5_000 }).toEqual(['hello']);
    await within(sub.unsubscribe(), 3_000, 'unsubscribe()');
    await client.close();
  });

  it('"__proto__" and "resubscribe" resent after a reconnect go out with the other filters', async () => {
    const client = createClient({ url: broker.urls.ws as string, protocolVersion: 4, browserEvents: false, reconnect: { initialDelayMs: 10, jitter: 'none' } });
    await client.connect();
    const got: string[] = [];
    for (const filter of ['__proto__', 'resubscribe', 'a/b']) await within(client.subscribe(filter, (m) => got.push(m.topic), { qos: 1 }), 3_000, filter);
    let connects = 0;
    client.on('connect', () => connects++);
    client.simulateConnectionLoss();
    await expect.poll(() => connects, { timeout: 5_000 }).toBe(1);
    // A subscriber on another client proves the broker holds all three again (clean session: nothing kept).
    await new Promise((r) => setTimeout(r, 100));
    for (const topic of ['__proto__', 'resubscribe', 'a/b']) await client.publish(topic, 'x', { qos: 1 });
    await expect.poll(() => [...got].sort(), { timeout: 5_000 }).toEqual(['__proto__', 'a/b', 'resubscribe']);
    await client.close();
  });

  it('MQTT.js is handed "__proto__" as a filter of the SUBSCRIBE, not as a prototype', async () => {
    const h = harness({ protocolVersion: 4 });
    await h.connectNow();
    void h.client.subscribe('__proto__', () => {}, { qos: 1 });
    await flush();
    expect(h.fake.subscribes.map((s) => Object.entries(s.map))).toEqual([[['__proto__', { qos: 1 }]]]);
  });
});
