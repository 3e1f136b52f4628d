import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, type E2EAuth } from './support/fixtures';
import type { MosquittoBroker } from './support/mosquitto';

// A browser client of this SDK and independent peers exchange messages both ways: the Mosquitto
// command-line clients (plain MQTT, Mosquitto only) and the Eclipse Paho JavaScript client in another page.

const pahoScript = fileURLToPath(new URL('../node_modules/paho-mqtt/paho-mqtt.js', import.meta.url));
const cliVersion = { 4: 'mqttv311', 5: 'mqttv5' } as const;

function cliArgs(broker: MosquittoBroker, token: string, version: 4 | 5): string[] {
  return ['-h', broker.mqtt.host, '-p', String(broker.mqtt.port), '-u', broker.username, '-P', token, '-V', cliVersion[version]];
}

function mosquittoPub(broker: MosquittoBroker, token: string, version: 4 | 5, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/mosquitto_pub', [...cliArgs(broker, token, version), ...args], { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`mosquitto_pub failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

/** Starts mosquitto_sub; `subscribed` resolves on its SUBACK, `messages` with `count` lines "topic|qos|retain|payload". */
function mosquittoSub(broker: MosquittoBroker, token: string, version: 4 | 5, filter: string, count: number) {
  const child = spawn('/usr/bin/mosquitto_sub', [...cliArgs(broker, token, version), '-t', filter, '-q', '2', '-C', String(count), '-W', '15', '-d', '-F', 'MSG %t|%q|%r|%p'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let onSubscribed: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => (onSubscribed = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('received SUBACK')) onSubscribed();
  });
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const messages = new Promise<string[]>((resolve) => child.on('exit', () => resolve(out.split('\n').filter((l) => l.startsWith('MSG ')).map((l) => l.slice(4)))));
  return { subscribed, messages };
}

async function connectSdk(page: Page, url: string, auth: E2EAuth, protocolVersion: 4 | 5, filter?: string) {
  await page.evaluate(async ({ url, auth, protocolVersion, filter }) => {
    const w = window as any;
    w.sdk = w.makeHarness({ url, auth, protocolVersion }).client;
    await w.sdk.connect();
    w.got = [];
    if (filter) {
      await w.sdk.subscribe(filter, (m: any) => w.got.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain, userProperties: m.properties?.userProperties }), { qos: 2 });
    }
  }, { url, auth, protocolVersion, filter });
}

async function sdkReceived(page: Page, count: number): Promise<any[]> {
  await expect.poll(() => page.evaluate(() => (window as any).got.length)).toBeGreaterThanOrEqual(count);
  await page.waitForTimeout(200);
  return page.evaluate(() => (window as any).got);
}

test.describe('mosquitto_pub / mosquitto_sub', () => {
  test.skip(({ brokerKind }) => brokerKind !== 'mosquitto', 'mosquitto_pub/mosquitto_sub speak plain MQTT over TCP: only the Mosquitto broker has that listener');

  for (const version of [4, 5] as const) {
    test(`${cliVersion[version]}: mosquitto_pub -> browser, QoS 0/1/2 and a retained message`, async ({ esmPage, broker, auth, topicPrefix }) => {
      const mq = broker as MosquittoBroker;
      const prefix = `${topicPrefix}/from-cli`;
      // Retained before the browser subscribes: it must arrive with retain set.
      await mosquittoPub(mq, auth.token, version, ['-t', `${prefix}/retained`, '-m', 'kept', '-q', '1', '-r']);
      await connectSdk(esmPage, broker.urls.ws, auth, version, `${prefix}/#`);
      const extra = version === 5 ? ['-D', 'publish', 'user-property', 'source', 'cli'] : [];
      for (const qos of [0, 1, 2]) await mosquittoPub(mq, auth.token, version, ['-t', `${prefix}/q${qos}`, '-m', `cli-q${qos}`, '-q', String(qos), ...extra]);
      const got = await sdkReceived(esmPage, 4);
      await esmPage.evaluate(() => (window as any).sdk.close());
      const short = got.map((m) => ({ topic: m.topic.slice(prefix.length + 1), text: m.text, qos: m.qos, retain: m.retain }));
      expect(short).toEqual([
        { topic: 'retained', text: 'kept', qos: 1, retain: true },
        { topic: 'q0', text: 'cli-q0', qos: 0, retain: false },
        { topic: 'q1', text: 'cli-q1', qos: 1, retain: false },
        { topic: 'q2', text: 'cli-q2', qos: 2, retain: false },
      ]);
      if (version === 5) expect(got.slice(1).map((m) => m.userProperties)).toEqual([{ source: 'cli' }, { source: 'cli' }, { source: 'cli' }]);
    });

    test(`${cliVersion[version]}: browser -> mosquitto_sub, QoS 0/1/2 and a retained message`, async ({ esmPage, broker, auth, topicPrefix }) => {
      const mq = broker as MosquittoBroker;
      const prefix = `${topicPrefix}/to-cli`;
      await connectSdk(esmPage, broker.urls.ws, auth, version);
      await esmPage.evaluate(({ prefix }) => (window as any).sdk.publish(`${prefix}/retained`, 'kept', { qos: 1, retain: true }), { prefix });
      const sub = mosquittoSub(mq, auth.token, version, `${prefix}/#`, 4);
      await sub.subscribed;
      await esmPage.evaluate(async ({ prefix }) => {
        const sdk = (window as any).sdk;
        for (const qos of [0, 1, 2]) await sdk.publish(`${prefix}/q${qos}`, `sdk-q${qos}`, { qos });
      }, { prefix });
      const lines = await sub.messages;
      await esmPage.evaluate(() => (window as any).sdk.close());
      expect(lines.map((l) => l.slice(prefix.length + 1))).toEqual(['retained|1|1|kept', 'q0|0|0|sdk-q0', 'q1|1|0|sdk-q1', 'q2|2|0|sdk-q2']);
    });
  }
});

test.describe('Eclipse Paho JavaScript client in another page', () => {
  for (const version of [4, 5] as const) {
    test(`SDK on MQTT ${version === 5 ? '5' : '3.1.1'} <-> Paho (3.1.1): QoS 0/1/2 and retained, both ways`, async ({ esmPage, context, site, broker, auth, topicPrefix }) => {
      test.skip(version === 5 && broker.kind !== 'mosquitto', 'MQTT 5 needs mosquitto: the aedes dev broker speaks MQTT 3.1.1 only');
      const toPaho = `${topicPrefix}/to-paho`;
      const toSdk = `${topicPrefix}/to-sdk`;
      const paho = await context.newPage();
      // Paho reads localStorage on load: it needs a real origin (about:blank denies it).
      await paho.goto(`${site.url}/esm.html`);
      await paho.addScriptTag({ path: pahoScript });
      const port = Number(new URL(broker.urls.ws).port);
      // Each side leaves a retained message before the other subscribes.
      await connectSdk(esmPage, broker.urls.ws, auth, version);
      await esmPage.evaluate(({ toPaho }) => (window as any).sdk.publish(`${toPaho}/retained`, 'sdk-kept', { qos: 1, retain: true }), { toPaho });
      await paho.evaluate(async ({ port, userName, password, toPaho, toSdk }) => {
        const w = window as any;
        w.got = [];
        const client = new w.Paho.Client('127.0.0.1', port, '/mqtt', 'paho-' + Math.random().toString(36).slice(2, 10));
        w.paho = client;
        client.onMessageArrived = (m: any) => w.got.push({ topic: m.destinationName, text: m.payloadString, qos: m.qos, retain: m.retained });
        await new Promise<void>((resolve, reject) => client.connect({ userName, password, mqttVersion: 4, timeout: 10, onSuccess: () => resolve(), onFailure: (e: any) => reject(new Error(e.errorMessage)) }));
        await new Promise<void>((resolve, reject) => client.subscribe(`${toPaho}/#`, { qos: 2, onSuccess: () => resolve(), onFailure: () => reject(new Error('paho subscribe failed')) }));
        const retained = new w.Paho.Message('paho-kept');
        retained.destinationName = `${toSdk}/retained`;
        retained.qos = 1;
        retained.retained = true;
        client.send(retained);
      }, { port, userName: auth.username ?? 'paho', password: auth.token, toPaho, toSdk });
      // Give Paho's retained QoS 1 publish time to land before the SDK subscribes.
      await expect.poll(() => paho.evaluate(() => (window as any).got.length)).toBeGreaterThanOrEqual(1);
      await esmPage.evaluate(async ({ toSdk }) => {
        const w = window as any;
        await w.sdk.subscribe(`${toSdk}/#`, (m: any) => w.got.push({ topic: m.topic, text: m.text(), qos: m.qos, retain: m.retain }), { qos: 2 });
      }, { toSdk });
      await esmPage.evaluate(async ({ toPaho }) => {
        for (const qos of [0, 1, 2]) await (window as any).sdk.publish(`${toPaho}/q${qos}`, `sdk-q${qos}`, { qos });
      }, { toPaho });
      await paho.evaluate(({ toSdk }) => {
        for (const qos of [0, 1, 2]) (window as any).paho.send(`${toSdk}/q${qos}`, `paho-q${qos}`, qos, false);
      }, { toSdk });
      const atSdk = await sdkReceived(esmPage, 4);
      await expect.poll(() => paho.evaluate(() => (window as any).got.length)).toBeGreaterThanOrEqual(4);
      const atPaho = await paho.evaluate(() => (window as any).got);
      await paho.evaluate(() => (window as any).paho.disconnect());
      await esmPage.evaluate(() => (window as any).sdk.close());
      const strip = (prefix: string) => (m: any) => ({ ...m, topic: m.topic.slice(prefix.length + 1) });
      const sortByTopic = (a: any, b: any) => a.topic.localeCompare(b.topic);
      // QoS 0/1/2 may overtake each other; compare as sets.
      expect(atSdk.map(strip(toSdk)).sort(sortByTopic)).toEqual([
        { topic: 'q0', text: 'paho-q0', qos: 0, retain: false },
        { topic: 'q1', text: 'paho-q1', qos: 1, retain: false },
        { topic: 'q2', text: 'paho-q2', qos: 2, retain: false },
        { topic: 'retained', text: 'paho-kept', qos: 1, retain: true },
      ]);
      expect(atPaho.map(strip(toPaho)).sort(sortByTopic)).toEqual([
        { topic: 'q0', text: 'sdk-q0', qos: 0, retain: false },
        { topic: 'q1', text: 'sdk-q1', qos: 1, retain: false },
        { topic: 'q2', text: 'sdk-q2', qos: 2, retain: false },
        { topic: 'retained', text: 'sdk-kept', qos: 1, retain: true },
      ]);
    });
  }
});
