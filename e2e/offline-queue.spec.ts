import mqtt, { type MqttClient } from 'mqtt';
import type { OverflowPolicy } from '@webmqtt/client';
import { test, expect, type E2EAuth } from './support/fixtures';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

// The three offlineQueue.overflow policies against a real broker: the page's client loses its
// connection (a TCP proxy in front of the broker stops listening), publishes more than its queue
// holds, and gets the connection back. A peer connected straight to the broker says what was
// delivered. One sequence of publishes tells all three policies apart, by count and by bytes.

const LIMITS = { maxMessages: 3, maxBytes: 800 };
/** Name and weight of each publish; the queue weighs a message as its payload plus its topic. */
const SEQUENCE: ReadonlyArray<readonly [string, number]> = [
  ['a', 200], ['b', 200],
  ['big', 500], // 900 bytes with a and b queued: over maxBytes, not over maxMessages
  ['c', 200],   // fits again once big is out of the way
  ['d', 100],   // the 4th message for drop-newest's a, b, c: over maxMessages only
  ['e', 600],   // drop-oldest has to evict two to make room
];

interface QueueEvent { size: number; bytes: number; dropped?: number }
interface Expected {
  /** What the peer receives after the reconnect, in order. */
  delivered: string[];
  /** The publishes whose promise rejects with QUEUE_FULL (while still offline); the rest resolve. */
  queueFull: string[];
  /** The `queue` events of the six publishes, one each. */
  queue: QueueEvent[];
}

const EXPECTED: Record<OverflowPolicy, Expected> = {
  // The queue always holds the latest publishes; whatever is evicted is the oldest.
  'drop-oldest': {
    delivered: ['d', 'e'],
    queueFull: ['a', 'b', 'big', 'c'],
    queue: [
      { size: 1, bytes: 200 },
      { size: 2, bytes: 400 },
      { size: 2, bytes: 700, dropped: 1 }, // a out, big in
      { size: 2, bytes: 700, dropped: 1 }, // b out, c in
      { size: 3, bytes: 800 },
      { size: 2, bytes: 700, dropped: 2 }, // big and c out, e in
    ],
  },
  // What is queued stays; each publish that does not fit is dropped, one that fits later still goes in.
  'drop-newest': {
    delivered: ['a', 'b', 'c'],
    queueFull: ['big', 'd', 'e'],
    queue: [
      { size: 1, bytes: 200 },
      { size: 2, bytes: 400 },
      { size: 2, bytes: 400, dropped: 1 },
      { size: 3, bytes: 600 },
      { size: 3, bytes: 600, dropped: 1 },
      { size: 3, bytes: 600, dropped: 1 },
    ],
  },
  // From the first publish that does not fit, everything is refused until the queue has been flushed.
  reject: {
    delivered: ['a', 'b'],
    queueFull: ['big', 'c', 'd', 'e'],
    queue: [
      { size: 1, bytes: 200 },
      { size: 2, bytes: 400 },
      { size: 2, bytes: 400, dropped: 1 },
      { size: 2, bytes: 400, dropped: 1 },
      { size: 2, bytes: 400, dropped: 1 },
      { size: 2, bytes: 400, dropped: 1 },
    ],
  },
};

const fastReconnect = { initialDelayMs: 50, maxDelayMs: 250, factor: 2, jitter: 'none' };

/** `name:` padded with dots, so topic plus payload weigh exactly `weight`. */
function payloadFor(topic: string, name: string, weight: number): string {
  const padding = weight - topic.length - name.length - 1;
  if (padding < 0) throw new Error(`topic "${topic}" is too long for a ${weight}-byte message`);
  return `${name}:${'.'.repeat(padding)}`;
}

/** A plain MQTT.js client in the test process, straight to the broker, collecting message names. */
async function startPeer(url: string, auth: E2EAuth, topic: string): Promise<{ client: MqttClient; received: string[] }> {
  const client = await mqtt.connectAsync(url, {
    username: auth.username ?? 'offline-queue-peer', password: auth.token,
    protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000,
  });
  const received: string[] = [];
  client.on('message', (_topic, payload) => received.push(payload.toString().split(':')[0] as string));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, received };
}

for (const policy of Object.keys(EXPECTED) as OverflowPolicy[]) {
  const expected = EXPECTED[policy];
  test(`overflow '${policy}', broker away: the peer gets ${expected.delivered.join(', ')}; ${expected.queueFull.join(', ')} reject with QUEUE_FULL`, async ({ esmPage, broker, auth, topicPrefix }) => {
    const topic = `${topicPrefix}/q`;
    const brokerUrl = new URL(broker.urls.ws);
    let proxy: TcpProxy | undefined;
    let peer: Awaited<ReturnType<typeof startPeer>> | undefined;
    try {
      proxy = await startTcpProxy({ targetPort: Number(brokerUrl.port) });
      const away = proxy;
      peer = await startPeer(broker.urls.ws, auth, topic);
      const received = peer.received;
      await esmPage.evaluate(async ({ url, auth, reconnect, offlineQueue }) => {
        const w = window as any;
        w.subject = w.makeHarness({ url, auth, reconnect, offlineQueue });
        w.outcomes = {};
        await w.subject.client.connect();
      }, { url: `ws://127.0.0.1:${away.port}${brokerUrl.pathname}`, auth, reconnect: fastReconnect, offlineQueue: { ...LIMITS, overflow: policy } });
      const state = () => esmPage.evaluate(() => (window as any).subject.client.state as string);
      const pending = () => esmPage.evaluate(() => Object.values((window as any).outcomes).filter((o) => o === 'pending').length);
      const takeBrokerAway = async (): Promise<void> => {
        await away.pause();
        await expect.poll(state).not.toBe('connected');
      };
      const bringBrokerBack = async (): Promise<void> => {
        await away.resume();
        await expect.poll(state).toBe('connected');
      };
      /** Publishes while away; what the queue said and which promises had settled by the next task. */
      const publishAway = (messages: Array<{ name: string; payload: string }>) => esmPage.evaluate(async ({ topic, messages }) => {
        const w = window as any;
        const { client, record } = w.subject;
        const eventsBefore = record.queue.length;
        for (const { name, payload } of messages) {
          w.outcomes[name] = 'pending';
          client.publish(topic, payload, { qos: 1 }).then(() => { w.outcomes[name] = 'ok'; }, (e: any) => { w.outcomes[name] = e.code; });
        }
        // One turn of the event loop, so every rejection made during publish() has reached its handler.
        await new Promise((resolve) => setTimeout(resolve, 0));
        const settled = messages.map((m) => m.name).filter((name) => w.outcomes[name] !== 'pending');
        return { state: client.state, queue: record.queue.slice(eventsBefore), queued: client.queued, settled: settled.map((name) => [name, w.outcomes[name]]) };
      }, { topic, messages });

      // 1. More than fits, while the broker is away.
      await takeBrokerAway();
      const overflow = await publishAway(SEQUENCE.map(([name, weight]) => ({ name, payload: payloadFor(topic, name, weight) })));
      expect(overflow.state).not.toBe('connected'); // nothing could have gone out meanwhile
      expect.soft(overflow.queue, 'queue events, one per publish').toEqual(expected.queue);
      expect.soft(overflow.queued).toEqual({ size: expected.delivered.length, bytes: expected.queue.at(-1)!.bytes });
      expect.soft(overflow.settled, 'promises settled before the reconnect').toEqual(expected.queueFull.map((name) => [name, 'QUEUE_FULL']));

      // 2. Back: what the queue kept goes out, the rest stays rejected.
      const eventsBeforeFlush = await esmPage.evaluate(() => (window as any).subject.record.queue.length);
      await bringBrokerBack();
      await expect.poll(pending).toBe(0);
      expect.soft(await esmPage.evaluate(() => (window as any).outcomes)).toEqual(
        Object.fromEntries(SEQUENCE.map(([name]) => [name, expected.queueFull.includes(name) ? 'QUEUE_FULL' : 'ok'])),
      );

      // 3. Away again: after the flush the queue takes a publish again, whatever refused before. Its delivery is
      // also the marker that everything acknowledged before it has reached the peer.
      await takeBrokerAway();
      const again = await publishAway([{ name: 'again', payload: 'again:' }]);
      expect.soft(again.queue, 'after the flush, the queue accepts again').toEqual([{ size: 1, bytes: topic.length + 'again:'.length }]);
      expect.soft(again.settled).toEqual([]);
      await bringBrokerBack();
      await expect.poll(() => received.at(-1)).toBe('again');
      expect(received, 'what the peer received, in order').toEqual([...expected.delivered, 'again']);
      await expect.poll(pending).toBe(0);
      const after = await esmPage.evaluate((from) => ({ outcome: (window as any).outcomes.again, queue: (window as any).subject.record.queue.slice(from) }), eventsBeforeFlush);
      expect(after.outcome).toBe('ok');
      // The flushes dropped nothing; the last word is an empty queue.
      expect(after.queue.filter((event: QueueEvent) => event.dropped !== undefined)).toEqual([]);
      expect(after.queue.at(-1)).toEqual({ size: 0, bytes: 0 });
    } finally {
      await esmPage.evaluate(() => (window as any).subject?.client.close()).catch(() => undefined);
      await peer?.client.endAsync().catch(() => undefined);
      await proxy?.close();
    }
  });
}
