import { describe, expect, it } from 'vitest';
import { closeOf, nextMessage, useFixtures } from './helpers/fixtures.js';
import { connectPacket, packetType } from './helpers/mqtt-bytes.js';

describe('broker messaging', () => {
  const fx = useFixtures();

  async function pair() {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const subscriber = await fx.connect(broker.urls.ws, { clientId: 'sub' });
    const publisher = await fx.connect(broker.urls.ws, { clientId: 'pub' });
    return { broker, subscriber, publisher };
  }

  it.each([0, 1, 2] as const)('delivers a QoS %i publish to a subscriber', async (qos) => {
    const { subscriber, publisher } = await pair();
    await subscriber.subscribeAsync('room/+/temp', { qos });
    const received = nextMessage(subscriber, 'room/kitchen/temp');
    await publisher.publishAsync('room/kitchen/temp', '21.5', { qos });
    expect(await received).toEqual({ payload: '21.5', retain: false, qos });
  });

  it('hands a retained message to a later subscriber', async () => {
    const { broker, publisher } = await pair();
    await publisher.publishAsync('status/door', 'open', { qos: 1, retain: true });
    const late = await fx.connect(broker.urls.ws, { clientId: 'late' });
    const received = nextMessage(late, 'status/door');
    await late.subscribeAsync('status/#', { qos: 1 });
    expect(await received).toMatchObject({ payload: 'open', retain: true });
  });

  it('publishes the last will of a client cut off by dropConnections()', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    // A persistent session, so the will is queued for the watcher while dropConnections() has it offline too.
    const watcher = await fx.connect(broker.urls.ws, { clientId: 'watcher', clean: false });
    await watcher.subscribeAsync('presence/device', { qos: 1 });
    const device = await fx.connect(broker.urls.ws, {
      clientId: 'device',
      will: { topic: 'presence/device', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    const deviceClosed = closeOf(device);
    await broker.dropConnections();
    await deviceClosed;
    expect(broker.clients).toBe(0);

    const back = await fx.connect(broker.urls.ws, { clientId: 'watcher', clean: false });
    expect(await nextMessage(back, 'presence/device')).toMatchObject({ payload: 'gone', retain: false });
  });

  it('publishes a will as retained, so it survives dropping every client', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    await fx.connect(broker.urls.ws, {
      clientId: 'device',
      will: { topic: 'presence/device', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await broker.dropConnections();
    const observer = await fx.connect(broker.urls.ws, { clientId: 'observer' });
    const will = nextMessage(observer, 'presence/device');
    await observer.subscribeAsync('presence/device', { qos: 1 });
    expect(await will).toMatchObject({ payload: 'offline', retain: true });
  });

  it('does not publish the will after a clean DISCONNECT', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const observer = await fx.connect(broker.urls.ws, { clientId: 'observer' });
    await observer.subscribeAsync('presence/#', { qos: 1 });
    const wills: string[] = [];
    observer.on('message', (topic) => wills.push(topic));
    const device = await fx.connect(broker.urls.ws, {
      clientId: 'device',
      will: { topic: 'presence/device', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await device.endAsync();
    // A message sent after the disconnect arrives after any will would have.
    const marker = nextMessage(observer, 'presence/marker');
    await observer.publishAsync('presence/marker', 'x', { qos: 1 });
    await marker;
    expect(wills).toEqual(['presence/marker']);
  });

  it('refuses publishing to $SYS topics by closing the publisher', async () => {
    const { subscriber, publisher } = await pair();
    await subscriber.subscribeAsync('$SYS/forged', { qos: 0 });
    const got: string[] = [];
    subscriber.on('message', (topic) => got.push(topic));
    const closed = closeOf(publisher);
    publisher.publish('$SYS/forged', 'x', { qos: 1 });
    await closed;
    expect(got).toEqual([]);
  });

  it('refuses an MQTT 5 CONNECT with a 3.1.1 CONNACK, return code 1, then closes the socket', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const raw = await fx.raw(broker.urls.ws);
    raw.send(connectPacket({ clientId: 'v5', protocolVersion: 5 }));
    await raw.waitForFrames(1);
    const [connack] = raw.frames;
    expect(packetType(connack!)).toBe(2);
    // 0x20 CONNACK, remaining length 2, no session present, return code 1 (unacceptable protocol version).
    expect([...connack!]).toEqual([0x20, 0x02, 0x00, 0x01]);
    expect((await raw.closed).code).toBe(1002);
    expect(broker.clients).toBe(0);
  });

  it('refuses an MQTT 5 client of MQTT.js with return code 1', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const refused = await fx.refusal(broker.urls.ws, { protocolVersion: 5 });
    expect(refused.code).toBe(1);
  });
});
