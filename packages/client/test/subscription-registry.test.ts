import { describe, expect, it } from 'vitest';
import { SubscriptionRegistry, higherQos } from '../src/messaging/subscription-registry';

type Opts = { qos: 0 | 1 | 2 };

describe('SubscriptionRegistry acquire/release', () => {
  it('asks for SUBSCRIBE only for the first subscriber of a filter', () => {
    const registry = new SubscriptionRegistry<Opts>();
    expect(registry.acquire('a/+', { qos: 0 })).toEqual({ first: true, upgrade: false });
    expect(registry.acquire('a/+', { qos: 0 })).toEqual({ first: false, upgrade: false });
    expect(registry.acquire('a/+', { qos: 0 }).first).toBe(false);
    expect(registry.get('a/+')?.refs).toBe(3);
    expect(registry.entries().map((e) => e.filter)).toEqual(['a/+']);
  });

  it('asks for UNSUBSCRIBE only when the last subscriber is released', () => {
    const registry = new SubscriptionRegistry<Opts>();
    registry.acquire('a', { qos: 0 });
    registry.acquire('a', { qos: 0 });
    expect(registry.release('a')).toEqual({ last: false });
    expect(registry.has('a')).toBe(true);
    expect(registry.release('a')).toEqual({ last: true });
    expect(registry.has('a')).toBe(false);
    expect(registry.entries()).toEqual([]);
  });

  it('treats releasing an unknown or already released filter as a no-op', () => {
    const registry = new SubscriptionRegistry<Opts>();
    expect(registry.release('nope')).toEqual({ last: false });
    registry.acquire('a', { qos: 0 });
    expect(registry.release('a').last).toBe(true);
    expect(registry.release('a').last).toBe(false);
    expect(registry.entries()).toEqual([]);
  });

  it('starts over with first=true after a filter was fully released', () => {
    const registry = new SubscriptionRegistry<Opts>();
    registry.acquire('a', { qos: 1 });
    registry.release('a');
    expect(registry.acquire('a', { qos: 0 })).toEqual({ first: true, upgrade: false });
    expect(registry.get('a')?.options).toEqual({ qos: 0 });
  });

  it('keeps filters apart exactly as written (a shared subscription is its own entry)', () => {
    const registry = new SubscriptionRegistry<Opts>();
    expect(registry.acquire('jobs/#', { qos: 0 }).first).toBe(true);
    expect(registry.acquire('$share/w/jobs/#', { qos: 0 }).first).toBe(true);
    expect(registry.acquire('jobs/+', { qos: 0 }).first).toBe(true);
    expect(registry.entries().map((e) => e.filter)).toEqual(['jobs/#', '$share/w/jobs/#', 'jobs/+']);
  });
});

describe('SubscriptionRegistry upgrades', () => {
  it('never reports an upgrade without a comparator', () => {
    const registry = new SubscriptionRegistry<Opts>();
    registry.acquire('a', { qos: 0 });
    expect(registry.acquire('a', { qos: 2 })).toEqual({ first: false, upgrade: false });
    expect(registry.get('a')?.options).toEqual({ qos: 0 });
  });

  it('reports an upgrade and stores the stronger options when a later subscriber asks a higher QoS', () => {
    const registry = new SubscriptionRegistry<Opts>(higherQos);
    registry.acquire('a', { qos: 0 });
    expect(registry.acquire('a', { qos: 1 })).toEqual({ first: false, upgrade: true });
    expect(registry.get('a')?.options).toEqual({ qos: 1 });
    expect(registry.get('a')?.refs).toBe(2);
  });

  it('does not upgrade for an equal or lower QoS and keeps the stronger options', () => {
    const registry = new SubscriptionRegistry<Opts>(higherQos);
    registry.acquire('a', { qos: 2 });
    expect(registry.acquire('a', { qos: 2 }).upgrade).toBe(false);
    expect(registry.acquire('a', { qos: 0 }).upgrade).toBe(false);
    expect(registry.get('a')?.options).toEqual({ qos: 2 });
  });

  it('keeps the stronger options until the last subscriber leaves', () => {
    const registry = new SubscriptionRegistry<Opts>(higherQos);
    registry.acquire('a', { qos: 0 });
    registry.acquire('a', { qos: 2 });
    registry.release('a');
    expect(registry.get('a')?.options).toEqual({ qos: 2 });
  });

  it('passes current and requested options to a custom comparator', () => {
    const calls: [string, string][] = [];
    const registry = new SubscriptionRegistry<string>((current, requested) => {
      calls.push([current, requested]);
      return requested.length > current.length;
    });
    registry.acquire('a', 'x');
    expect(registry.acquire('a', 'yy').upgrade).toBe(true);
    expect(registry.acquire('a', 'z').upgrade).toBe(false);
    expect(calls).toEqual([['x', 'yy'], ['yy', 'z']]);
  });
});

describe('higherQos', () => {
  it.each([
    [0, 1, true],
    [1, 2, true],
    [0, 2, true],
    [1, 1, false],
    [2, 0, false],
    [undefined, 1, true],
    [1, undefined, false],
  ])('current %s, requested %s -> %s', (current, requested, expected) => {
    expect(higherQos({ qos: current }, { qos: requested })).toBe(expected);
  });
});

describe('SubscriptionRegistry entries', () => {
  it('lists live subscriptions in first-acquired order, for resubscribing after a reconnect', () => {
    const registry = new SubscriptionRegistry<Opts>(higherQos);
    registry.acquire('b', { qos: 1 });
    registry.acquire('a', { qos: 0 });
    registry.acquire('c', { qos: 0 });
    registry.acquire('a', { qos: 2 });
    registry.release('c');
    expect(registry.entries()).toEqual([
      { filter: 'b', options: { qos: 1 }, refs: 1 },
      { filter: 'a', options: { qos: 2 }, refs: 2 },
    ]);
  });

  it('returns copies, so callers cannot corrupt the counts', () => {
    const registry = new SubscriptionRegistry<Opts>();
    registry.acquire('a', { qos: 0 });
    const [entry] = registry.entries();
    entry!.refs = 100;
    registry.get('a')!.refs = 50;
    expect(registry.release('a').last).toBe(true);
  });
});
