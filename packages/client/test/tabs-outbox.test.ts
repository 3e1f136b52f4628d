import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type WebMqttClient } from '../src/client';
import type { QueueChange } from '../src/core/events';
import type { ClientOptions } from '../src/core/options';
import { outboxName } from '../src/outbox/outbox';
import { SETTLED_WRITE_DELAY_MS, type OutboxRecord } from '../src/outbox/outbox-db';
import { ManualClock, fakeFactory, flush, seededRandom } from './support/fake-mqtt';
import { FakeTabs } from './support/fake-tabs';
import { storedRecords } from './support/outbox-records';
import { track } from './support/harness';
// Lazy chunks, loaded here first so their imports resolve within a flush().
import '../src/tabs/shared-link';
import '../src/outbox/outbox';

// shareAcrossTabs with offlineQueue.persist (issue #15): the leader tab's outbox holds the group's publishes, each
// relayed one with its origin (tab, id); a next leader restores them and merges what tabs say again into one publish.

const g = globalThis as { indexedDB?: IDBFactory };
beforeEach(() => {
  g.indexedDB = new IDBFactory();
});
afterEach(() => {
  delete g.indexedDB;
});

/** Lets IndexedDB (fake-indexeddb runs on real macrotasks), the chunks and the tabs settle. */
async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await flush();
}

const stored = (): Promise<OutboxRecord[]> => storedRecords(g.indexedDB!, outboxName('dashboard'));

function world() {
  const tabs = new FakeTabs();
  const mqtt = fakeFactory();
  const clock = new ManualClock();
  (clock as ManualClock & { nextTurn(fn: () => void): () => void }).nextTurn = (fn) => {
    const turn = setImmediate(fn);
    return () => clearImmediate(turn);
  };
  let n = 0;
  /** A tab whose client joins the group and connects (no CONNACK yet: the broker is away until a test accepts one). */
  const open = (overrides: Partial<ClientOptions> = {}): { client: WebMqttClient; tab: string; queue: QueueChange[] } => {
    const tab = `tab${++n}`;
    const client = createClient({
      url: 'wss://broker.example.com:8085/mqtt',
      clientId: 'dashboard',
      protocolVersion: 4,
      clock,
      random: seededRandom(n),
      mqttFactory: mqtt.factory,
      browserSignals: null,
      reconnect: { jitter: 'none', initialDelayMs: 100 },
      shareAcrossTabs: true,
      offlineQueue: { persist: true },
      tabPlatform: tabs.platform(tab),
      ...overrides,
    });
    const queue: QueueChange[] = [];
    client.on('queue', (q) => queue.push(q));
    client.connect().catch(() => {});
    return { client, tab, queue };
  };
  return { tabs, mqtt, clock, open };
}

const text = (p: Uint8Array | string) => (typeof p === 'string' ? p : new TextDecoder().decode(p));

describe('shareAcrossTabs + offlineQueue.persist', () => {
  it("only the leader writes: a follower's publishes are in the leader's outbox, each with its origin", async () => {
    const w = world();
    const a = w.open();
    await settle();
    const b = w.open();
    await settle();
    expect([a.client.role, b.client.role]).toEqual(['leader', 'follower']);
    for (const p of ['1', '2', '3']) void b.client.publish('t', p, { qos: 1 });
    await settle();
    const records = await stored();
    expect(records.map((r) => text(r.payload))).toEqual(['1', '2', '3']);
    expect(new Set(records.map((r) => r.origin)).size).toBe(3);
  });

  for (const how of ['close', 'crash'] as const) {
    it(`the leader's ${how}: the next leader restores the follower's publishes and merges its re-sent ones, so each goes out once and the follower's promises settle from it`, async () => {
      const w = world();
      const a = w.open();
      await settle();
      const b = w.open();
      await settle();
      const pubs = ['1', '2', '3'].map((p) => track(b.client.publish('t', p, { qos: 1 })));
      await settle();
      expect(await stored()).toHaveLength(3);
      if (how === 'close') await a.client.close();
      else w.tabs.crash(a.tab);
      await settle();
      expect(b.client.role).toBe('leader');
      const next = w.mqtt.created.at(-1)!;
      next.acceptConnack();
      await settle();
      expect(next.publishes.map((p) => text(p.payload))).toEqual(['1', '2', '3']);
      expect(b.queue.find((q) => q.restored !== undefined)).toMatchObject({ restored: 3 });
      next.ack('all');
      await settle();
      expect(pubs.map((p) => p.state)).toEqual(['resolved', 'resolved', 'resolved']);
      w.clock.advance(SETTLED_WRITE_DELAY_MS);
      await settle();
      expect(await stored()).toEqual([]);
    });
  }

  it("a publish whose tab is gone is replayed once by the next leader and reported as restored", async () => {
    const w = world();
    const a = w.open();
    await settle();
    const b = w.open();
    const c = w.open();
    await settle();
    for (const p of ['x', 'y']) void b.client.publish('t', p, { qos: 1 });
    await settle();
    w.tabs.crash(b.tab);
    await settle();
    await a.client.close();
    await settle();
    expect(c.client.role).toBe('leader');
    const next = w.mqtt.created.at(-1)!;
    next.acceptConnack();
    await settle();
    expect(next.publishes.map((p) => text(p.payload))).toEqual(['x', 'y']);
    next.ack('all');
    await settle();
    expect(c.queue.find((q) => q.restored !== undefined)).toMatchObject({ restored: 2 });
    expect(c.queue.find((q) => q.restoredSettled)?.restoredSettled).toEqual({ delivered: 2, failed: 0 });
    w.clock.advance(SETTLED_WRITE_DELAY_MS);
    await settle();
    expect(await stored()).toEqual([]);
  });

  it('a tab that says a publish again after the next leader delivered it from the outbox gets it settled, not sent again', async () => {
    const w = world();
    const a = w.open();
    await settle();
    const b = w.open();
    await settle();
    const pub = track(b.client.publish('t', 'late', { qos: 1 }));
    await settle();
    // The leader goes; a third tab leads and delivers the restored record before b has said hello to it.
    await a.client.close();
    const c = w.open();
    await settle();
    const next = w.mqtt.created.at(-1)!;
    next.acceptConnack();
    await settle();
    next.ack('all');
    await settle();
    expect([b.client.role, c.client.role].sort()).toEqual(['follower', 'leader']);
    expect(w.mqtt.created.slice(1).flatMap((m) => m.publishes.map((p) => text(p.payload)))).toEqual(['late']);
    expect(pub.state).toBe('resolved');
  });
});
