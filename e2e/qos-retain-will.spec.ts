import { test, expect } from './support/fixtures';

for (const qos of [1, 2] as const) {
  test(`QoS ${qos} round trip: publish resolves after the flow completes and the message arrives with QoS ${qos}`, async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await esmPage.evaluate(async ({ url, auth, topic, qos }) => {
      const { client } = (window as any).makeHarness({ url, auth });
      await client.connect();
      const got = new Promise<any>((resolve) => client.subscribe(topic, (m: any) => resolve({ text: m.text(), qos: m.qos }), { qos }));
      await new Promise((r) => setTimeout(r, 50));
      await client.publish(topic, JSON.stringify({ celsius: 21.5 }), { qos });
      const message = await got;
      await client.close();
      return message;
    }, { url: broker.urls.ws, auth, topic: `${topicPrefix}/qos`, qos });
    expect(result).toEqual({ text: '{"celsius":21.5}', qos });
  });
}

test('a retained message is delivered to a later subscriber with retain set', async ({ esmPage, broker, auth, topicPrefix }) => {
  const topic = `${topicPrefix}/status`;
  const result = await esmPage.evaluate(async ({ url, auth, topic }) => {
    const w = window as any;
    const publisher = w.makeHarness({ url, auth }).client;
    await publisher.connect();
    await publisher.publish(topic, 'online', { qos: 1, retain: true });
    await publisher.close();
    const subscriber = w.makeHarness({ url, auth }).client;
    await subscriber.connect();
    const message = await new Promise<any>((resolve) => subscriber.subscribe(topic, (m: any) => resolve({ text: m.text(), retain: m.retain })));
    await subscriber.close();
    return message;
  }, { url: broker.urls.ws, auth, topic });
  expect(result).toEqual({ text: 'online', retain: true });
});

test('the last will is published when a client disappears abruptly, not on close()', async ({ esmPage, broker, auth, topicPrefix }) => {
  const willTopic = `${topicPrefix}/clients/dashboard/status`;
  const result = await esmPage.evaluate(async ({ url, auth, willTopic }) => {
    const w = window as any;
    const watcher = w.makeHarness({ url, auth });
    await watcher.client.connect();
    const wills: string[] = [];
    await watcher.client.subscribe(willTopic, (m: any) => wills.push(m.text()));
    // A graceful close sends DISCONNECT: no will.
    const polite = w.makeHarness({ url, auth, will: { topic: willTopic, payload: 'polite-offline', qos: 1 } }).client;
    await polite.connect();
    await polite.close();
    // An abrupt loss: the broker publishes the will.
    const rude = w.makeHarness({ url, auth, reconnect: false, will: { topic: willTopic, payload: 'offline', qos: 1 } }).client;
    await rude.connect();
    rude.simulateConnectionLoss();
    const deadline = Date.now() + 5000;
    while (!wills.includes('offline') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await watcher.client.close();
    await rude.close();
    return wills;
  }, { url: broker.urls.ws, auth, willTopic });
  expect(result).toEqual(['offline']);
});
