import { describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError } from '../src/core/errors';
import { MAX_IN_FLIGHT } from '../src/connection/connection';
import { Publisher, type PendingPublish } from '../src/messaging/publisher';
import type { QueueChange } from '../src/core/events';
import { FakeMqtt, ManualClock, flush } from './support/fake-mqtt';
import { harness, text, track } from './support/harness';

const sent = (h: ReturnType<typeof harness>): string[] => h.fake.publishes.map((p) => text(p.payload));

describe('publish while connected', () => {
  it('hands the message to MQTT.js with qos, retain and properties, and resolves QoS 0 when written', async () => {
    const h = harness();
    await h.connectNow();
    const userProperties = { a: '1' };
    await h.client.publish('sensors/t', 'Hello World', { qos: 0, retain: true, properties: { userProperties } });
    expect(h.fake.publishes).toHaveLength(1);
    const record = h.fake.publishes[0]!;
    expect(record.topic).toBe('sensors/t');
    expect(text(record.payload)).toBe('Hello World');
    expect(record.opts).toEqual({ qos: 0, retain: true, properties: { userProperties } });
  });

  it('resolves QoS 1 only on the PUBACK', async () => {
    const h = harness();
    await h.connectNow();
    const pub = track(h.client.publish('a/b', 'x', { qos: 1 }));
    await flush();
    expect(pub.state).toBe('pending');
    h.fake.ack('all');
    await flush();
    expect(pub.state).toBe('resolved');
  });

  it('rejects with PUBLISH_REJECTED carrying the reason code when the broker refuses a QoS 1 publish', async () => {
    const h = harness();
    await h.connectNow();
    const pub = track(h.client.publish('a/b', 'x', { qos: 1 }));
    await flush();
    h.fake.ack('all', 0x87);
    await flush();
    expect(pub.error).toBeInstanceOf(WebMqttError);
    expect(pub.error).toMatchObject({ code: ErrorCode.PUBLISH_REJECTED, reasonCode: 0x87 });
  });

  it('accepts a Uint8Array payload as is', async () => {
    const h = harness();
    await h.connectNow();
    const bytes = new Uint8Array([0, 255, 1]);
    await h.client.publish('a/b', bytes);
    expect(h.fake.publishes[0]!.payload).toBe(bytes);
  });
});

describe('offline queue', () => {
  it('queues publishes made before connect and flushes them in order after the CONNACK', async () => {
    const h = harness();
    const pubs = ['1', '2', '3'].map((p) => track(h.client.publish('a/b', p)));
    await flush();
    expect(h.client.queued).toEqual({ size: 3, bytes: 3 * (1 + 3) });
    expect(h.queueEvents.map((e) => e.size)).toEqual([1, 2, 3]);
    await h.connectNow();
    expect(sent(h)).toEqual(['1', '2', '3']);
    expect(pubs.map((p) => p.state)).toEqual(['resolved', 'resolved', 'resolved']);
    expect(h.client.queued).toEqual({ size: 0, bytes: 0 });
  });

  it('reports an empty queue once the backlog has gone out', async () => {
    const h = harness();
    void h.client.publish('a/b', '1');
    await h.connectNow();
    expect(h.queueEvents.at(-1)).toEqual({ size: 0, bytes: 0 });
  });

  it('queues while reconnecting and flushes after the next CONNACK, older before newer', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.publish('a/b', 'before');
    h.fake.dropSocket();
    await flush();
    const during = [track(h.client.publish('a/b', 'during-1', { qos: 1 })), track(h.client.publish('a/b', 'during-2', { qos: 1 }))];
    await h.clock.tick(1000);
    expect(sent(h)).toEqual(['before']);
    h.fake.acceptConnack();
    await flush();
    expect(sent(h)).toEqual(['before', 'during-1', 'during-2']);
    h.fake.ack('all');
    await flush();
    expect(during.map((p) => p.state)).toEqual(['resolved', 'resolved']);
  });

  // pump() batches plain QoS 0 messages: the run gathered so far must go out before a QoS 1/2 message behind it.
  it('keeps publish order across QoS levels when a backlog is flushed', async () => {
    const h = harness();
    void h.client.publish('a/b', 'q0-first', { qos: 0 });
    void h.client.publish('a/b', 'q1-second', { qos: 1 });
    void h.client.publish('a/b', 'q0-third', { qos: 0 });
    await h.connectNow();
    expect(sent(h)).toEqual(['q0-first', 'q1-second', 'q0-third']);
  });

  it.each([
    ['reject', ['1', '2'], ['3']],
    ['drop-newest', ['1', '2'], ['3']],
    ['drop-oldest', ['2', '3'], ['1']],
  ] as const)('overflow %s keeps %j and rejects %j with QUEUE_FULL', async (overflow, kept, rejected) => {
    const h = harness({ offlineQueue: { maxMessages: 2, overflow } });
    const pubs = ['1', '2', '3'].map((p) => ({ p, t: track(h.client.publish('a/b', p)) }));
    await flush();
    for (const { p, t } of pubs) {
      if (rejected.includes(p as never)) {
        expect(t.error).toMatchObject({ code: ErrorCode.QUEUE_FULL, retryable: true });
      } else {
        expect(t.state).toBe('pending');
      }
    }
    expect(h.queueEvents.at(-1)).toEqual({ size: 2, bytes: 8, dropped: 1 });
    await h.connectNow();
    expect(sent(h)).toEqual(kept);
  });

  it('rejects a message larger than maxBytes with QUEUE_FULL and keeps the rest', async () => {
    const h = harness({ offlineQueue: { maxBytes: 10 } });
    const small = track(h.client.publish('a', 'xx'));
    const big = track(h.client.publish('a', 'x'.repeat(20)));
    await flush();
    expect(big.error?.code).toBe(ErrorCode.QUEUE_FULL);
    expect(small.state).toBe('pending');
  });

  it('with offlineQueue false, rejects a publish made while not connected', async () => {
    const h = harness({ offlineQueue: false });
    await expect(h.client.publish('a/b', 'x')).rejects.toMatchObject({ code: ErrorCode.CONNECTION_LOST });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    await expect(h.client.publish('a/b', 'x')).rejects.toMatchObject({ code: ErrorCode.CONNECTION_LOST });
    expect(h.queueEvents).toEqual([]);
  });

  // STATE_TABLE says `failed` does not queue publishes (queuesPublishes: false): one made then must not hang in the queue.
  it('rejects a publish made after the client failed', async () => {
    const h = harness({ reconnect: false });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('failed');
    const pub = track(h.client.publish('a/b', 'x'));
    await flush();
    expect(pub.state).toBe('rejected');
  });
});

describe('flow control: Receive Maximum', () => {
  it('never has more QoS 1 publishes in flight than the broker allows', async () => {
    const h = harness();
    await h.connectNow({ properties: { receiveMaximum: 3 } });
    const pubs = Array.from({ length: 7 }, (_, i) => track(h.client.publish('a/b', String(i), { qos: 1 })));
    await flush();
    expect(h.fake.unacked).toHaveLength(3);
    expect(h.client.queued.size).toBe(4);
    let max = 0;
    while (h.fake.unacked.length > 0) {
      max = Math.max(max, h.fake.unacked.length);
      h.fake.ack(h.fake.unacked[0]!.messageId!);
      await flush();
    }
    expect(max).toBe(3);
    expect(sent(h)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(pubs.every((p) => p.state === 'resolved')).toBe(true);
  });

  it('lets QoS 0 publishes pass a full window only in order (no overtaking)', async () => {
    const h = harness();
    await h.connectNow({ properties: { receiveMaximum: 1 } });
    void h.client.publish('a', 'q1-a', { qos: 1 });
    void h.client.publish('a', 'q1-b', { qos: 1 });
    void h.client.publish('a', 'q0', { qos: 0 });
    await flush();
    expect(sent(h)).toEqual(['q1-a']);
    h.fake.ack('all');
    await flush();
    expect(sent(h)).toEqual(['q1-a', 'q1-b', 'q0']);
  });

  // With no Receive Maximum the protocol's limit is 65,535, but the client caps the window at MAX_IN_FLIGHT (see
  // connection.ts): more publishes than the cap tell the two apart.
  it.each([
    ['MQTT 5, no Receive Maximum in the CONNACK', 5, undefined],
    ['MQTT 5, a Receive Maximum above the cap', 5, { receiveMaximum: 65_535 }],
    ['MQTT 3.1.1 (no Receive Maximum at all)', 4, undefined],
  ] as const)(`has at most MAX_IN_FLIGHT (${MAX_IN_FLIGHT}) QoS 1 publishes in flight: %s`, async (_, protocolVersion, properties) => {
    const h = harness({ protocolVersion });
    await h.connectNow(properties ? { properties } : {});
    const extra = 20;
    for (let i = 0; i < MAX_IN_FLIGHT + extra; i++) void h.client.publish('a', String(i), { qos: 1 });
    await flush();
    expect(h.fake.unacked).toHaveLength(MAX_IN_FLIGHT);
    expect(h.client.queued.size).toBe(extra);
    // Each PUBACK lets the next one go, in order.
    h.fake.ack(h.fake.unacked[0]!.messageId!);
    await flush();
    expect(h.fake.unacked).toHaveLength(MAX_IN_FLIGHT);
    expect(h.client.queued.size).toBe(extra - 1);
    expect(sent(h).at(-1)).toBe(String(MAX_IN_FLIGHT));
  });
});

describe('every publish settles', () => {
  it('settles every publish across drops, reconnects and close', async () => {
    const h = harness({ offlineQueue: { maxMessages: 5 } });
    const all: Array<ReturnType<typeof track>> = [];
    const pub = (qos: 0 | 1) => all.push(track(h.client.publish('a/b', String(all.length), { qos })));
    for (let i = 0; i < 8; i++) pub((i % 2) as 0 | 1);
    await h.connectNow({ properties: { receiveMaximum: 2 } });
    h.fake.ack(h.fake.unacked[0]!.messageId!);
    h.fake.dropSocket();
    await flush();
    for (let i = 0; i < 4; i++) pub(1);
    await h.clock.tick(1000);
    h.fake.acceptConnack({ sessionPresent: true });
    await flush();
    h.fake.ack('all');
    await flush();
    pub(1);
    await flush();
    await h.client.close();
    await flush();
    expect(all.filter((p) => p.state === 'pending')).toEqual([]);
  });
});

describe('QoS 0 write failures', () => {
  // A QoS 0 write that fails with the socket goes back to the head of the line and waits for the next CONNACK,
  // rather than being re-sent at once into the dying socket (and lost).
  it('puts a QoS 0 message whose write failed with the socket back at the head and sends it after reconnect', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.holdQos0 = true;
    const first = track(h.client.publish('a/b', 'first'));
    await flush();
    // the write fails as the connection closes
    const record = h.fake.publishes[0]!;
    record.status = 'done';
    record.cb?.(new Error('Connection closed'));
    h.fake.dropSocket();
    await flush();
    const second = track(h.client.publish('a/b', 'second'));
    h.fake.holdQos0 = false;
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    const afterReconnect = h.fake.publishes.filter((p) => p.stream === h.fake.stream).map((p) => text(p.payload));
    expect(afterReconnect).toEqual(['first', 'second']);
    expect([first.state, second.state]).toEqual(['resolved', 'resolved']);
  });

  // A QoS 0 publish MQTT.js would refuse at once (topic alias out of range) is rejected: requeued, it would be re-sent
  // and re-refused on every pump and never settle.
  it('rejects a QoS 0 publish that MQTT.js refuses at once instead of retrying it in a loop', async () => {
    const h = harness();
    await h.connectNow();
    const pub = track(h.client.publish('a/b', 'x', { qos: 0, properties: { topicAlias: 1 } }));
    await h.clock.tick(10);
    await h.clock.tick(10);
    expect(h.fake.publishes.length).toBeLessThan(10);
    expect(pub.error).toBeInstanceOf(WebMqttError);
    expect(h.fake.publishes.length).toBeLessThan(10);
  });
});

describe('QoS 0 writes that never complete', () => {
  // MQTT.js calls a QoS 0 callback only after `drain` when the socket buffer is full, and never when the socket dies
  // first: pause() must requeue such a message rather than keep it in `writing` for ever.
  it('settles a QoS 0 publish whose write was still waiting for drain when the socket died', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.holdQos0 = true;
    const pub = track(h.client.publish('a/b', 'x'));
    await flush();
    h.fake.dropSocket();
    await flush();
    h.fake.holdQos0 = false;
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    expect(pub.state).not.toBe('pending');
  });

  // In a QoS 0 run only the last publish has a callback: a publish with properties (which MQTT.js may refuse, e.g. a topic
  // alias out of range) must not ride in a run and resolve as written.
  it('does not resolve a QoS 0 publish MQTT.js refused when it was not the last of its run', async () => {
    const h = harness();
    const refused = track(h.client.publish('a/b', 'alias', { properties: { topicAlias: 1 } }));
    const fine = track(h.client.publish('a/b', 'plain'));
    await h.connectNow();
    await flush();
    expect(fine.state).toBe('resolved');
    expect(refused.state).not.toBe('resolved');
  });
});

describe('Publisher (unit)', () => {
  const item = (payload: string, qos: 0 | 1 = 0, log: string[] = []): PendingPublish => ({
    topic: 't',
    payload: new TextEncoder().encode(payload),
    qos,
    retain: false,
    properties: undefined,
    resolve: () => log.push(`ok:${payload}`),
    reject: (e) => log.push(`${e.code}:${payload}`),
  });

  it('reports queue size and bytes (payload + topic) on every accepted publish', () => {
    const events: QueueChange[] = [];
    const publisher = new (Publisher as any)({ maxMessages: 10, maxBytes: 1000, overflow: 'reject' }, (c: QueueChange) => events.push(c), new ManualClock()) as Publisher;
    publisher.submit(item('abc'));
    publisher.submit(item('de'));
    expect(events).toEqual([{ size: 1, bytes: 4 }, { size: 2, bytes: 7 }]);
    expect(publisher.queued).toEqual({ size: 2, bytes: 7 });
  });

  it('rejectAll() rejects queued, waiting and in-flight messages once each', () => {
    const log: string[] = [];
    const publisher = new (Publisher as any)({ maxMessages: 10, maxBytes: 1000, overflow: 'reject' }, () => {}, new ManualClock()) as Publisher;
    const fake = new FakeMqtt('wss://x/mqtt', { protocolVersion: 5 });
    fake.connected = true;
    publisher.resume(fake as never, 1);
    publisher.submit(item('a', 1, log));
    publisher.submit(item('b', 1, log));
    publisher.pause();
    publisher.submit(item('c', 0, log));
    publisher.rejectAll(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'closed'));
    fake.ack('all');
    expect(log).toEqual(['CLIENT_CLOSED:a', 'CLIENT_CLOSED:b', 'CLIENT_CLOSED:c']);
    expect(publisher.inFlightCount).toBe(0);
  });
});
