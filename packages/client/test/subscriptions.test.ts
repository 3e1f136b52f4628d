import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../src/errors';
import type { Message } from '../src/message';
import { flush } from './support/fake-mqtt';
import { harness, track } from './support/harness';

describe('subscribe on the wire', () => {
  it('sends one SUBSCRIBE for two handlers on the same filter', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.subscribe('sensors/+/t', () => {});
    await h.client.subscribe('sensors/+/t', () => {});
    expect(h.fake.subscribedFilters).toEqual([['sensors/+/t']]);
    expect(h.fake.subscribes[0]!.map).toEqual({ 'sensors/+/t': { qos: 0 } });
  });

  it('passes qos, nl, rap and rh through', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.subscribe('a/b', () => {}, { qos: 1, nl: true, rap: true, rh: 2 });
    expect(h.fake.subscribes[0]!.map).toEqual({ 'a/b': { qos: 1, nl: true, rap: true, rh: 2 } });
  });

  it('a second subscriber made while the first SUBSCRIBE is unacknowledged waits for the same SUBACK', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.subackMode = 'manual';
    const a = track(h.client.subscribe('a/b', () => {}));
    const b = track(h.client.subscribe('a/b', () => {}));
    await flush();
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    h.fake.suback();
    await flush();
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    expect(h.fake.subscribes).toHaveLength(1);
  });

  it('sends a new SUBSCRIBE when a later subscriber asks for a higher QoS', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.subscribe('a/b', () => {}, { qos: 0 });
    await h.client.subscribe('a/b', () => {}, { qos: 1 });
    await h.client.subscribe('a/b', () => {}, { qos: 0 });
    expect(h.fake.subscribes.map((s) => s.map)).toEqual([{ 'a/b': { qos: 0 } }, { 'a/b': { qos: 1 } }]);
  });

  it('sends no UNSUBSCRIBE while another subscription to the filter lives, and one when the last goes', async () => {
    const h = harness();
    await h.connectNow();
    const a = await h.client.subscribe('a/#', () => {});
    const b = await h.client.subscribe('a/#', () => {});
    await a.unsubscribe();
    expect(h.fake.unsubscribes).toHaveLength(0);
    await b.unsubscribe();
    expect(h.fake.unsubscribedFilters).toEqual(['a/#']);
  });

  it('unsubscribe() is idempotent', async () => {
    const h = harness();
    await h.connectNow();
    const a = await h.client.subscribe('a/#', () => {});
    const b = await h.client.subscribe('a/#', () => {});
    await a.unsubscribe();
    await a.unsubscribe();
    expect(h.fake.unsubscribes).toHaveLength(0);
    await b.unsubscribe();
    expect(h.fake.unsubscribes).toHaveLength(1);
  });
});

describe('routing', () => {
  it('gives a handler only messages matching its own filter', async () => {
    const h = harness();
    await h.connectNow();
    const temps: string[] = [];
    const all: string[] = [];
    await h.client.subscribe('sensors/+/temperature', (m) => temps.push(m.topic));
    await h.client.subscribe('sensors/#', (m) => all.push(m.topic));
    h.fake.deliver('sensors/k/temperature', '1');
    h.fake.deliver('sensors/k/humidity', '2');
    h.fake.deliver('other/k/temperature', '3');
    expect(temps).toEqual(['sensors/k/temperature']);
    expect(all).toEqual(['sensors/k/temperature', 'sensors/k/humidity']);
  });

  it('ignores the $share/group/ prefix for matching', async () => {
    const h = harness();
    await h.connectNow();
    const got: string[] = [];
    await h.client.subscribe('$share/workers/jobs/+', (m) => got.push(m.topic));
    h.fake.deliver('jobs/1', 'x');
    expect(got).toEqual(['jobs/1']);
  });

  it('stops calling a handler once it unsubscribed, while the others on the filter go on', async () => {
    const h = harness();
    await h.connectNow();
    const a = vi.fn();
    const b = vi.fn();
    const subA = await h.client.subscribe('a/b', a);
    await h.client.subscribe('a/b', b);
    await subA.unsubscribe();
    h.fake.deliver('a/b', 'x');
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
  });

  it('calls a handler once per subscription it holds (two subscriptions, two calls)', async () => {
    const h = harness();
    await h.connectNow();
    const seen: Message[] = [];
    const handler = (m: Message) => seen.push(m);
    await h.client.subscribe('a/+', handler);
    await h.client.subscribe('a/b', handler);
    h.fake.deliver('a/b', 'x');
    expect(seen).toHaveLength(2);
  });

  it('keeps running the other handlers when one throws, and reports HANDLER_FAILED', async () => {
    const h = harness();
    await h.connectNow();
    const after = vi.fn();
    await h.client.subscribe('a/b', () => {
      throw new TypeError('handler bug');
    });
    await h.client.subscribe('a/+', after);
    h.fake.deliver('a/b', 'x');
    h.fake.deliver('a/b', 'y');
    expect(after).toHaveBeenCalledTimes(2);
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.HANDLER_FAILED, ErrorCode.HANDLER_FAILED]);
    expect(h.errors[0]!.message).toContain('a/b');
  });
});

describe('subscriptions across reconnects', () => {
  it('resolves a subscribe made while disconnected only after CONNACK and SUBACK', async () => {
    const h = harness();
    const sub = track(h.client.subscribe('a/b', () => {}, { qos: 1 }));
    void h.client.connect();
    await flush();
    expect(h.fake.subscribes).toHaveLength(0);
    expect(sub.state).toBe('pending');
    h.fake.subackMode = 'manual';
    h.fake.acceptConnack();
    await flush();
    expect(h.fake.subscribedFilters).toEqual([['a/b']]);
    expect(sub.state).toBe('pending');
    h.fake.suback();
    await flush();
    expect(sub.state).toBe('resolved');
  });

  it('sends every live filter again in one SUBSCRIBE after a reconnect without a session', async () => {
    const h = harness();
    await h.connectNow();
    await h.client.subscribe('a/#', () => {}, { qos: 1 });
    await h.client.subscribe('b/+', () => {});
    await h.client.subscribe('b/+', () => {});
    const gone = await h.client.subscribe('c', () => {});
    await gone.unsubscribe();
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    h.fake.acceptConnack({ sessionPresent: false });
    await flush();
    expect(h.fake.subscribes).toHaveLength(4);
    expect(h.fake.subscribes.at(-1)!.map).toEqual({ 'a/#': { qos: 1 }, 'b/+': { qos: 0 } });
  });

  it('sends nothing again after a reconnect where the broker kept the session', async () => {
    const h = harness({ clean: false });
    await h.connectNow();
    await h.client.subscribe('a/#', () => {});
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    h.fake.acceptConnack({ sessionPresent: true });
    await flush();
    expect(h.fake.subscribes).toHaveLength(1);
  });

  it('delivers to the old handlers after a reconnect', async () => {
    const h = harness();
    await h.connectNow();
    const handler = vi.fn();
    await h.client.subscribe('a/#', handler);
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    h.fake.deliver('a/x', '1');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  // BUG: MQTT.js calls back (err, subs, packet) with subs[i].qos = the *requested* QoS when a SUBACK carries 0x80;
  // subscriptions.ts reads the reason codes from `subs`, so a refused subscription resolves as granted.
  it.fails('rejects with SUBSCRIBE_REJECTED and the reason code when the SUBACK refuses the filter', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.subackCodes['secret/#'] = 0x80;
    const sub = track(h.client.subscribe('secret/#', () => {}, { qos: 1 }));
    await flush();
    expect(sub.state).toBe('rejected');
    expect(sub.error).toMatchObject({ code: ErrorCode.SUBSCRIBE_REJECTED, reasonCode: 0x80 });
  });

  // BUG: same cause: MQTT.js fails a SUBSCRIBE cut off by a dropped socket with (Error('Connection closed'), subs, undefined);
  // `error && !granted` is false because `subs` is set, so the filter counts as confirmed and the promise resolves.
  it.fails('keeps a SUBSCRIBE cut off by a dropped socket pending and sends it again after reconnect', async () => {
    const h = harness({ clean: false });
    await h.connectNow();
    h.fake.subackMode = 'manual';
    const sub = track(h.client.subscribe('a/b', () => {}));
    await flush();
    h.fake.dropSocket();
    await flush();
    expect(sub.state).toBe('pending');
    await h.clock.tick(1000);
    h.fake.acceptConnack({ sessionPresent: true });
    await flush();
    expect(h.fake.subscribedFilters).toEqual([['a/b'], ['a/b']]);
  });

  it('resolves when the SUBACK grants a lower QoS than asked', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.subackCodes['a/b'] = 1;
    const sub = await h.client.subscribe('a/b', () => {}, { qos: 2 });
    expect(sub.filter).toBe('a/b');
  });

  // BUG: an unsubscribe made while disconnected is never sent; after a reconnect with sessionPresent the broker
  // still holds the filter and keeps sending (and queueing, for a persistent session) its messages.
  it.fails('sends the UNSUBSCRIBE of a filter dropped while disconnected once the session is back', async () => {
    const h = harness({ clean: false });
    await h.connectNow();
    const sub = await h.client.subscribe('a/b', () => {});
    h.fake.dropSocket();
    await flush();
    await sub.unsubscribe();
    await h.clock.tick(1000);
    h.fake.acceptConnack({ sessionPresent: true });
    await flush();
    expect(h.fake.unsubscribedFilters).toEqual(['a/b']);
  });

  it('does not resend a filter that was unsubscribed while disconnected (no session)', async () => {
    const h = harness();
    await h.connectNow();
    const sub = await h.client.subscribe('a/b', () => {});
    await h.client.subscribe('c/d', () => {});
    h.fake.dropSocket();
    await flush();
    await sub.unsubscribe();
    await h.clock.tick(1000);
    h.fake.acceptConnack({ sessionPresent: false });
    await flush();
    expect(h.fake.subscribes.at(-1)!.map).toEqual({ 'c/d': { qos: 0 } });
  });

  it('rejects a subscribe still waiting for the connection when the client closes', async () => {
    const h = harness();
    const outcome = track(h.client.subscribe('a/b', () => {}));
    await flush();
    expect(outcome.state).toBe('pending');
    await h.client.close();
    await flush();
    expect(outcome.error?.code).toBe(ErrorCode.CLIENT_CLOSED);
  });
});
