import { test, expect } from './support/fixtures';

test.use({ ignoreHTTPSErrors: true });

test('WSS with the broker\'s self-signed certificate: the seed scenario over wss://localhost', async ({ esmPage, broker, auth, topicPrefix }) => {
  expect(broker.urls.wss).toMatch(/^wss:\/\/localhost:\d+\/mqtt$/);
  const text = await esmPage.evaluate(async ({ url, auth, topic }) => {
    const { client } = (window as any).makeHarness({ url, auth });
    await client.connect();
    const got = new Promise<string>((resolve) => client.subscribe(topic, (m: any) => resolve(m.text())));
    await client.publish(topic, 'Hello World', { qos: 1 });
    const text = await got;
    await client.close();
    return text;
  }, { url: broker.urls.wss!, auth, topic: `${topicPrefix}/sensors/temperature` });
  expect(text).toBe('Hello World');
});
