import type { Page } from '@playwright/test';
import type { MqttWireProxy, WireLink } from './support/mqtt-wire-proxy';
import { test, expect, type E2EAuth } from './support/wire-fixtures';

// The publish window, counted on the wire: a proxy in front of the broker reads the MQTT packets inside the
// WebSocket frames and keeps the set of the browser's QoS 1/2 PUBLISHes the broker has not acknowledged yet
// (QoS 1 until PUBACK, QoS 2 until PUBCOMP). Its largest size must stay within the cap and reach it: a client
// that sends too many, one that is needlessly timid, and a proxy that counts nothing all fail.
//
// The caps (packages/client/README.md, publish()): at most MAX_IN_FLIGHT = 100 QoS 1/2 publishes in flight
// (connection.ts), fewer when the broker's MQTT 5 Receive Maximum says so; over MQTT 3.1.1 at most 20 QoS 2
// (client.ts, MQTT311_MAX_QOS2_IN_FLIGHT). Mosquitto announces Receive Maximum 20 (max_inflight_messages'
// default) with the fixtures' config.

const COUNT = 500;
const MAX_IN_FLIGHT = 100;
const MQTT311_MAX_QOS2 = 20;
const MOSQUITTO_RECEIVE_MAXIMUM = 20;

type Mix = 1 | 2 | 'mixed';

async function connectPublisher(page: Page, url: string, auth: E2EAuth, protocolVersion: 4 | 5): Promise<void> {
  await page.evaluate(async ({ url, auth, protocolVersion }) => {
    const w = window as any;
    w.subject = w.makeHarness({ url, auth, protocolVersion, reconnect: false });
    await w.subject.client.connect();
  }, { url, auth, protocolVersion });
}

/** COUNT publishes from one synchronous loop; resolves with how they settled ('ok' or the error code). */
async function publishBurst(page: Page, topic: string, mix: Mix): Promise<string[]> {
  return page.evaluate(async ({ topic, mix, count }) => {
    const { client } = (window as any).subject;
    const sent: Promise<string>[] = [];
    for (let i = 0; i < count; i++) {
      const qos = mix === 'mixed' ? 1 + (i % 2) : mix;
      sent.push(client.publish(topic, `m${i}`, { qos }).then(() => 'ok', (e: any) => String(e.code)));
    }
    return [...new Set(await Promise.all(sent))];
  }, { topic, mix, count: COUNT });
}

/** The one link the publisher opened (a reconnect mid-burst would make the count meaningless). */
function onlyLink(proxy: MqttWireProxy): WireLink {
  expect(proxy.links.map((l) => l.closed?.by ?? 'open'), 'one connection, still open').toEqual(['open']);
  return proxy.links[0] as WireLink;
}

/** Runs a burst and returns what the proxy counted for it. */
async function burst(page: Page, proxy: MqttWireProxy, topic: string, mix: Mix) {
  const link = onlyLink(proxy);
  link.resetPeaks();
  const started = Date.now();
  const outcomes = await publishBurst(page, topic, mix);
  const ms = Date.now() - started;
  expect(outcomes).toEqual(['ok']);
  const o = link.outstanding;
  const counted = { peak: o.peak, peakQos1: o.peakQos1, peakQos2: o.peakQos2, sent: { ...o.sent }, left: o.now, strayAcks: o.strayAcks, ms };
  test.info().annotations.push({ type: `QoS ${mix}: outstanding on the wire`, description: JSON.stringify(counted) });
  // The proxy saw every PUBLISH once and every acknowledgement for one: it counted the whole burst.
  const wantSent = mix === 'mixed' ? { qos1: COUNT / 2, qos2: COUNT / 2 } : mix === 1 ? { qos1: COUNT, qos2: 0 } : { qos1: 0, qos2: COUNT };
  expect(counted.sent).toEqual(wantSent);
  expect(counted.left).toBe(0);
  expect(counted.strayAcks).toBe(0);
  expect(link.errors).toEqual([]);
  onlyLink(proxy);
  return counted;
}

test.describe('MQTT 5', () => {
  test.skip(({ brokerKind }) => brokerKind !== 'mosquitto', 'the dev broker (aedes) speaks MQTT 3.1.1 only');

  test(`Mosquitto's Receive Maximum (20): ${COUNT} QoS 1, ${COUNT} QoS 2 and ${COUNT} mixed publishes from one loop never have more than 20 unacknowledged on the wire, and use all 20`, async ({ esmPage, auth, topicPrefix, wireProxy: proxy }) => {
    await connectPublisher(esmPage, `${proxy.url}/mqtt`, auth, 5);
    const link = onlyLink(proxy);
    expect(link.protocolLevel).toBe(5);
    // Where the 20 comes from: the broker says so in its CONNACK.
    expect(link.connack?.properties['receiveMaximum']).toBe(MOSQUITTO_RECEIVE_MAXIMUM);
    for (const mix of [1, 2, 'mixed'] as const) {
      const counted = await burst(esmPage, proxy, `${topicPrefix}/rm5/${mix}`, mix);
      expect(counted.peak, `QoS ${mix}: never more than the Receive Maximum unacknowledged`).toBeLessThanOrEqual(MOSQUITTO_RECEIVE_MAXIMUM);
      expect(counted.peak, `QoS ${mix}: the whole window used`).toBe(MOSQUITTO_RECEIVE_MAXIMUM);
    }
  });
});

test(`MQTT 3.1.1: ${COUNT} QoS 1 publishes from one loop never have more than ${MAX_IN_FLIGHT} unacknowledged on the wire, ${COUNT} QoS 2 never more than ${MQTT311_MAX_QOS2}; both caps reached`, async ({ esmPage, auth, topicPrefix, wireProxy: proxy }) => {
  await connectPublisher(esmPage, `${proxy.url}/mqtt`, auth, 4);
  const link = onlyLink(proxy);
  expect(link.protocolLevel).toBe(4);
  const qos1 = await burst(esmPage, proxy, `${topicPrefix}/rm4/1`, 1);
  expect(qos1.peak, 'QoS 1: never more than MAX_IN_FLIGHT unacknowledged').toBeLessThanOrEqual(MAX_IN_FLIGHT);
  expect(qos1.peak, 'QoS 1: the whole window used').toBe(MAX_IN_FLIGHT);
  const qos2 = await burst(esmPage, proxy, `${topicPrefix}/rm4/2`, 2);
  expect(qos2.peak, 'QoS 2: never more than the 3.1.1 QoS 2 cap unacknowledged').toBeLessThanOrEqual(MQTT311_MAX_QOS2);
  expect(qos2.peak, 'QoS 2: the whole window used').toBe(MQTT311_MAX_QOS2);
});
