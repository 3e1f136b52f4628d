import { test, expect } from './support/fixtures';

// With a/+/c and a/# both live, a broker may send one copy per matching subscription (Mosquitto does,
// on 3.1.1 and 5). Each handler must still see each message exactly once.
async function overlap(page: import('@playwright/test').Page, options: { url: string; auth: unknown; protocolVersion: 4 | 5; prefix: string; qos: 0 | 1 | 2 }) {
  return page.evaluate(async ({ url, auth, protocolVersion, prefix, qos }) => {
    const w = window as any;
    const { client } = w.makeHarness({ url, auth, protocolVersion });
    await client.connect();
    const counts = { plus: 0, hash: 0, events: 0 };
    let ids: unknown[] = [];
    client.on('message', (m: any) => {
      counts.events++;
      ids = ids.concat(m.properties?.subscriptionIdentifier ?? []);
    });
    // The sentinel, published last, matches both filters: every copy of the messages before it arrives before it.
    const sentinel = { plus: false, hash: false };
    const count = (which: 'plus' | 'hash') => (m: any) => {
      if (m.text() === 'sentinel') sentinel[which] = true;
      else counts[which]++;
    };
    await client.subscribe(`${prefix}/a/+/c`, count('plus'), { qos });
    await client.subscribe(`${prefix}/a/#`, count('hash'), { qos });
    for (let i = 0; i < 5; i++) await client.publish(`${prefix}/a/b/c`, `m${i}`, { qos });
    // Also one that only a/# matches.
    await client.publish(`${prefix}/a/b`, 'only-hash', { qos });
    await client.publish(`${prefix}/a/b/c`, 'sentinel', { qos });
    // Bounded by the test's timeout.
    while (!sentinel.plus || !sentinel.hash) await new Promise((r) => setTimeout(r, 10));
    await client.close();
    return { counts, protocolVersion: client.protocolVersion, subscriptionIdentifiers: [...new Set(ids)].length };
  }, options);
}

test('MQTT 5: a/+/c and a/# both live -> each handler gets each message exactly once (subscription identifiers)', async ({ esmPage, broker, auth, topicPrefix }) => {
  test.skip(broker.kind !== 'mosquitto', 'MQTT 5 needs mosquitto: the aedes dev broker speaks MQTT 3.1.1 only');
  const result = await overlap(esmPage, { url: broker.urls.ws, auth, protocolVersion: 5, prefix: topicPrefix, qos: 1 });
  test.info().annotations.push({ type: 'observed', description: JSON.stringify(result) });
  expect(result.protocolVersion).toBe(5);
  expect(result.counts.plus).toBe(5);
  expect(result.counts.hash).toBe(6);
  // The broker tagged the copies with distinct subscription identifiers.
  expect(result.subscriptionIdentifiers).toBe(2);
});

for (const qos of [0, 1] as const) {
  test(`MQTT 3.1.1, QoS ${qos}: a/+/c and a/# both live -> each handler gets each message exactly once`, async ({ esmPage, broker, auth, topicPrefix }) => {
    const result = await overlap(esmPage, { url: broker.urls.ws, auth, protocolVersion: 4, prefix: topicPrefix, qos });
    test.info().annotations.push({ type: 'observed', description: JSON.stringify(result) });
    expect(result.protocolVersion).toBe(4);
    expect(result.counts.plus).toBe(5);
    expect(result.counts.hash).toBe(6);
  });
}
