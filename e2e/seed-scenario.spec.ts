import { test, expect, type E2EAuth } from './support/fixtures';
import type { Page } from '@playwright/test';

// The scenario from the broker docs that started this project: connect with a token,
// subscribe sensors/temperature, publish "Hello World", receive it, disconnect.
// aedes takes any username with a valid JWT; Mosquitto's password file knows one user.
async function runSeedScenario(page: Page, url: string, auth: E2EAuth, topic: string) {
  return page.evaluate(async ({ url, auth, topic }) => {
    const w = window as any;
    const { client, record } = w.makeHarness({ url, clientId: 'tbmq_websockets_client_id_' + Math.random().toString(36).slice(2, 8), auth: { username: 'tbmq_websockets_username', ...auth } });
    await client.connect();
    const received = new Promise<string>((resolve) => {
      client.subscribe(topic, (msg: any) => resolve(msg.text()));
    });
    await new Promise((r) => setTimeout(r, 0));
    await client.publish(topic, 'Hello World');
    const text = await received;
    await client.close();
    return { text, states: record.states.map((s: any) => s.current), protocolVersion: client.protocolVersion, errors: record.errors };
  }, { url, auth, topic });
}

test('ESM build: connect with a token, subscribe, publish Hello World, receive it, disconnect', async ({ esmPage, broker, auth, topicPrefix }) => {
  const result = await runSeedScenario(esmPage, broker.urls.ws, auth, `${topicPrefix}/sensors/temperature`);
  expect(result.text).toBe('Hello World');
  expect(result.states).toEqual(['connecting', 'connected', 'closed']);
  // 'auto' tries 5 first: Mosquitto takes it; aedes speaks 3.1.1 only, so the client fell back.
  expect(result.protocolVersion).toBe(broker.kind === 'mosquitto' ? 5 : 4);
  expect(result.errors).toEqual([]);
});

test('UMD build from a plain script tag: the same scenario through window.WebMqtt', async ({ umdPage, broker, auth, topicPrefix }) => {
  const exported = await umdPage.evaluate(() => Object.keys((window as any).WebMqtt).sort());
  expect(exported).toEqual(expect.arrayContaining(['createClient', 'isWebMqttError', 'WebMqttError', 'ErrorCode']));
  const result = await runSeedScenario(umdPage, broker.urls.ws, auth, `${topicPrefix}/sensors/temperature`);
  expect(result.text).toBe('Hello World');
  expect(result.states).toEqual(['connecting', 'connected', 'closed']);
});
