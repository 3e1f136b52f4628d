import { describe, expect, it } from 'vitest';
import { createClient, type WebMqttClient } from '../src/client';
import { ErrorCode } from '../src/core/errors';
import type { ClientOptions } from '../src/core/options';
import { ManualClock, fakeFactory, flush, seededRandom } from './support/fake-mqtt';
import { FakeTabs } from './support/fake-tabs';
import { track } from './support/harness';
// The relay is a lazy chunk: loaded here first so its import resolves within a flush().
import '../src/tabs/shared-link';
import '../src/messaging/requests';

/** Tabs of one origin, each with a client of the same group, on one fake broker side. */
function world() {
  const tabs = new FakeTabs();
  const mqtt = fakeFactory();
  const clock = new ManualClock();
  // The leader hands its answers over on the clock's next turn: a real one here (timers stay manual).
  (clock as ManualClock & { nextTurn(fn: () => void): () => void }).nextTurn = (fn) => {
    const turn = setImmediate(fn);
    return () => clearImmediate(turn);
  };
  let n = 0;
  const open = (overrides: Partial<ClientOptions> = {}, tab = `tab${++n}`): { client: WebMqttClient; tab: string; roles: string[]; states: string[] } => {
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
      tabPlatform: tabs.platform(tab),
      ...overrides,
    });
    const roles: string[] = [];
    const states: string[] = [];
    client.on('role', (r) => roles.push(r.role));
    client.on('state', (s) => states.push(s.current));
    return { client, tab, roles, states };
  };
  /** Opens a tab and connects it; the first one's CONNACK is accepted. */
  const connected = async (overrides: Partial<ClientOptions> = {}) => {
    const t = open(overrides);
    const done = t.client.connect();
    await flush();
    const fake = mqtt.created[mqtt.created.length - 1];
    if (fake?.awaitingConnack) fake.acceptConnack();
    await done;
    await flush();
    return t;
  };
  return { tabs, mqtt, clock, open, connected };
}

const text = (p: Uint8Array | string) => (typeof p === 'string' ? p : new TextDecoder().decode(p));

describe('shareAcrossTabs', () => {
  it('one tab leads and holds the only connection; the others follow, connected through it', async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    const c = await w.connected();
    expect(w.mqtt.created).toHaveLength(1);
    expect([a.client.role, b.client.role, c.client.role]).toEqual(['leader', 'follower', 'follower']);
    expect(b.roles).toEqual(['follower']);
    expect([a.client.state, b.client.state, c.client.state]).toEqual(['connected', 'connected', 'connected']);
    expect(b.states).toEqual(['connecting', 'connected']);
  });

  it('a subscription is made once on the wire for every tab, and UNSUBSCRIBE goes only after the last tab drops it', async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    const got: string[] = [];
    const subA = await a.client.subscribe('sensors/+', (m) => got.push(`a:${m.text()}`), { qos: 1 });
    const subB = await b.client.subscribe('sensors/+', (m) => got.push(`b:${m.text()}`), { qos: 1 });
    expect(w.mqtt.fake.subscribedFilters).toEqual([['sensors/+']]);
    w.mqtt.fake.deliver('sensors/t', 'one', { qos: 1 });
    await flush();
    expect(got.sort()).toEqual(['a:one', 'b:one']);
    await subA.unsubscribe();
    await flush();
    expect(w.mqtt.fake.unsubscribedFilters).toEqual([]);
    const last = track(subB.unsubscribe());
    await flush();
    expect(w.mqtt.fake.unsubscribedFilters).toEqual(['sensors/+']);
    expect(last.state).toBe('resolved');
  });

  it("a tab's handlers get only their own filter's messages, in one post per tab however many of its handlers match", async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    const got: string[] = [];
    await b.client.subscribe('s/#', (m) => got.push(`all:${m.topic}`));
    await b.client.subscribe('s/+/t', (m) => got.push(`t:${m.topic}`));
    await b.client.subscribe('other', (m) => got.push(`other:${m.topic}`));
    const events: string[] = [];
    b.client.on('message', (m) => events.push(m.topic));
    const before = w.tabs.posts.length;
    w.mqtt.fake.deliver('s/x/t', 'p');
    await flush();
    expect(got).toEqual(['all:s/x/t', 't:s/x/t']);
    expect(events).toEqual(['s/x/t']);
    const msgs = w.tabs.posts.slice(before).filter((p) => (p.data as { t: string }).t === 'msgs');
    expect(msgs).toHaveLength(1);
    // One message in it, naming both of the tab's subscriptions it matched.
    expect((msgs[0]!.data as { list: Array<{ subs: number[] }> }).list.map((f) => f.subs.length)).toEqual([2]);
  });

  it("a follower's publish settles when the leader's QoS 1 flow completes", async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    const sent = track(b.client.publish('cmd/x', 'go', { qos: 1 }));
    await flush();
    expect(w.mqtt.fake.publishes.map((p) => [p.topic, text(p.payload), p.opts.qos])).toEqual([['cmd/x', 'go', 1]]);
    expect(sent.state).toBe('pending');
    w.mqtt.fake.ack();
    await flush();
    expect(sent.state).toBe('resolved');
  });

  it('the leader crashes: a follower leads, connects with the same clientId, resubscribes the union and re-sends what was not acknowledged', async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    const c = await w.connected();
    await b.client.subscribe('b/topic', () => {}, { qos: 1 });
    await c.client.subscribe('c/topic', () => {}, { qos: 1 });
    await a.client.subscribe('a/topic', () => {}, { qos: 1 });
    const pending = track(c.client.publish('c/out', 'unacked', { qos: 1 }));
    await flush();
    expect(w.mqtt.fake.publishes).toHaveLength(1);
    w.tabs.crash(a.tab);
    await flush();
    expect(b.client.role).toBe('leader');
    expect(c.client.role).toBe('follower');
    expect(w.mqtt.created).toHaveLength(2);
    const next = w.mqtt.fake;
    expect(next.options['clientId']).toBe('dashboard');
    next.acceptConnack();
    await flush();
    expect(next.subscribedFilters.flat().sort()).toEqual(['b/topic', 'c/topic']);
    expect(next.publishes.map((p) => text(p.payload))).toEqual(['unacked']);
    next.ack();
    await flush();
    expect(pending.state).toBe('resolved');
    expect(c.states).toEqual(['connecting', 'connected', 'connecting', 'connected']);
  });

  it("a follower's close() leaves the others connected and releases its subscriptions", async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    await b.client.subscribe('only/b', () => {});
    await b.client.close();
    await flush();
    expect(b.client.state).toBe('closed');
    expect(a.client.state).toBe('connected');
    expect(w.mqtt.fake.unsubscribedFilters).toEqual(['only/b']);
    expect(w.mqtt.fake.ends).toHaveLength(0);
  });

  it('a follower tab that crashes releases its subscriptions (the leader sees its tab lock come free)', async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    await b.client.subscribe('only/b', () => {});
    w.tabs.crash(b.tab);
    await flush();
    expect(w.mqtt.fake.unsubscribedFilters).toEqual(['only/b']);
  });

  it("the leader's close() hands over: DISCONNECT first, then the next tab leads and re-sends the followers' open publishes", async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    const open = track(b.client.publish('x', 'keep', { qos: 1 }));
    await flush();
    await a.client.close();
    await flush();
    expect(w.mqtt.created[0]!.ends).toHaveLength(1);
    expect(b.client.role).toBe('leader');
    w.mqtt.fake.acceptConnack();
    await flush();
    expect(w.mqtt.fake.publishes.map((p) => text(p.payload))).toEqual(['keep']);
    w.mqtt.fake.ack();
    await flush();
    expect(open.state).toBe('resolved');
  });

  it('back-forward cache: the leader page hides, another tab leads at once; back, it rejoins as a follower with its subscriptions', async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    const got: string[] = [];
    await a.client.subscribe('a/t', (m) => got.push(m.text()));
    w.tabs.page(a.tab, 'hide');
    await flush();
    expect(b.client.role).toBe('leader');
    w.mqtt.fake.acceptConnack();
    await flush();
    w.tabs.page(a.tab, 'show');
    await flush();
    expect(a.client.role).toBe('follower');
    expect(w.mqtt.fake.subscribedFilters.flat()).toContain('a/t');
    w.mqtt.fake.deliver('a/t', 'back');
    await flush();
    expect(got).toEqual(['back']);
  });

  it('mirrors the leader\'s reconnect waits (retryInMs) and reasons in every tab', async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    const seen: Array<{ current: string; retryInMs?: number; code?: string }> = [];
    b.client.on('state', (s) => seen.push({ current: s.current, retryInMs: s.retryInMs, code: s.reason?.code }));
    b.client.simulateConnectionLoss();
    await flush();
    expect(seen[0]).toEqual({ current: 'reconnecting', retryInMs: 100, code: ErrorCode.CONNECTION_LOST });
  });

  it('two names never mix: two groups, two connections', async () => {
    const w = world();
    const a = await w.connected({ shareAcrossTabs: { name: 'one' } });
    const b = await w.connected({ shareAcrossTabs: { name: 'two' } });
    expect(w.mqtt.created).toHaveLength(2);
    expect([a.client.role, b.client.role]).toEqual(['leader', 'leader']);
  });

  it("runs alone ('solo') where tabs cannot share, with no error", async () => {
    const w = world();
    const a = await w.connected({ tabPlatform: null });
    expect(a.client.role).toBe('solo');
    expect(a.roles).toEqual([]);
    expect(a.client.state).toBe('connected');
  });

  it('a publish whose properties cannot be cloned to the leader tab rejects with INVALID_OPTIONS', async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    const sent = b.client.publish('x', 'y', { qos: 1, properties: { userProperties: { f: (() => 1) as never } } });
    await expect(sent).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTIONS, field: 'properties' });
  });

  it("a tab that joins a connected leader gets `connect`, with the leader's sessionPresent", async () => {
    const w = world();
    await w.connected();
    const b = w.open();
    const connects: boolean[] = [];
    b.client.on('connect', (c) => connects.push(c.sessionPresent));
    await b.client.connect();
    expect(connects).toEqual([false]);
  });

  it("a follower's request() goes through the leader and resolves with the reply (MQTT 5)", async () => {
    const w = world();
    await w.connected({ protocolVersion: 5 });
    const b = await w.connected({ protocolVersion: 5 });
    expect(b.client.protocolVersion).toBe(5);
    const reply = track(b.client.request('rpc/time', 'now', { timeoutMs: 5000 }));
    await flush();
    const request = w.mqtt.fake.publishes.find((p) => p.topic === 'rpc/time')!;
    const correlationData = request.opts.properties!['correlationData'];
    expect(correlationData).toBeInstanceOf(Uint8Array);
    w.mqtt.fake.ack('all');
    w.mqtt.fake.deliver('webmqtt/replies/dashboard', '12:00', { properties: { correlationData } });
    await flush();
    expect(reply.state).toBe('resolved');
    expect(reply.value!.text()).toBe('12:00');
  });

  it('packets of the shared connection reach a follower that listens, and only while it listens', async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    const seen: string[] = [];
    const off = b.client.on('packet', (p) => seen.push(`${p.direction}:${String(p.packet['cmd'])}`));
    await flush();
    await b.client.publish('x', 'y');
    await flush();
    expect(seen).toContain('out:publish');
    off();
    await flush();
    const count = seen.length;
    await b.client.publish('x', 'z');
    await flush();
    expect(seen).toHaveLength(count);
  });

  it("a follower's burst goes to the leader in one post per turn, and the answers come back in one", async () => {
    const w = world();
    await w.connected();
    const b = await w.connected();
    const before = w.tabs.posts.length;
    const sent = Array.from({ length: 50 }, (_, i) => b.client.publish('burst', String(i), { qos: 1 }));
    await flush();
    const toLeader = w.tabs.posts.slice(before).filter((p) => p.tab === b.tab);
    expect(toLeader).toHaveLength(1);
    expect((toLeader[0]!.data as { t: string; list: unknown[] }).list).toHaveLength(50);
    const acked = w.tabs.posts.length;
    w.mqtt.fake.ack('all');
    await flush();
    const answers = w.tabs.posts.slice(acked).filter((p) => p.tab !== b.tab);
    expect(answers).toHaveLength(1);
    await Promise.all(sent);
  });

  it("the leader's close() tells the tabs the connection is moving (connecting) before the next leader connects", async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    const closing = a.client.close();
    await flush();
    expect(b.states.slice(-1)).toEqual(['connecting']);
    await closing;
    w.mqtt.fake.acceptConnack();
    await flush();
    expect(b.states).toEqual(['connecting', 'connected', 'connecting', 'connected']);
  });

  it('after a crash, a QoS 0 publish the last leader may have written is rejected (never sent twice); QoS 1 is sent again', async () => {
    const w = world();
    const a = await w.connected();
    const b = await w.connected();
    await w.connected();
    w.mqtt.fake.holdQos0 = true;
    const q0 = track(b.client.publish('t', 'zero', { qos: 0 }));
    const q1 = track(b.client.publish('t', 'one', { qos: 1 }));
    await flush();
    w.tabs.crash(a.tab);
    await flush();
    expect(q0.state).toBe('rejected');
    expect(q0.error.code).toBe(ErrorCode.CONNECTION_LOST);
    const next = w.mqtt.created[1]!;
    next.acceptConnack();
    await flush();
    expect(next.publishes.map((p) => text(p.payload))).toEqual(['one']);
    next.ack();
    await flush();
    expect(q1.state).toBe('resolved');
  });

  it("with protocolVersion 'auto', a new leader does not probe MQTT 5 again where the group found 3.1.1", async () => {
    const w = world();
    const a = w.open({ protocolVersion: 'auto' });
    const connecting = a.client.connect();
    await flush();
    w.mqtt.fake.refuse(1);
    await flush();
    w.mqtt.fake.acceptConnack();
    await connecting;
    expect(w.mqtt.fake.protocolVersions).toEqual([5, 4]);
    const b = await w.connected({ protocolVersion: 'auto' });
    expect(b.client.protocolVersion).toBe(4);
    w.tabs.crash(a.tab);
    await flush();
    expect(w.mqtt.created).toHaveLength(2);
    expect(w.mqtt.fake.protocolVersions).toEqual([4]);
  });

  it('validates the option', () => {
    expect(() => createClient({ url: 'wss://b.example.com/mqtt', shareAcrossTabs: 'yes' as never })).toThrowError(expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS, field: 'shareAcrossTabs' }));
    expect(() => createClient({ url: 'wss://b.example.com/mqtt', shareAcrossTabs: { name: '' } })).toThrowError(expect.objectContaining({ field: 'shareAcrossTabs.name' }));
    expect(() => createClient({ url: () => 'wss://b.example.com/mqtt', shareAcrossTabs: true })).toThrowError(expect.objectContaining({ field: 'shareAcrossTabs' }));
    expect(() => createClient({ url: () => 'wss://b.example.com/mqtt', shareAcrossTabs: { name: 'app' } })).not.toThrow();
  });
});
