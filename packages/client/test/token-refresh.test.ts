import { describe, expect, it } from 'vitest';
import type { NormalizedAuth } from '../src/core/options';
import { DRAIN_LIMIT_MS, TokenRefresh } from '../src/connection/token-refresh';
import { ManualClock } from './support/fake-mqtt';

const auth = { token: () => 'x', refreshBeforeExpiryMs: 30_000, providerTimeoutMs: 5_000, placement: 'password', queryParam: 'token' } as unknown as NormalizedAuth;

function setup() {
  const clock = new ManualClock();
  const calls: string[] = [];
  const world = { connected: true, inFlight: 0 };
  const refresh = new TokenRefresh(clock, {
    isConnected: () => world.connected,
    pause: () => calls.push('pause'),
    inFlight: () => world.inFlight,
    disconnect: () => calls.push('disconnect'),
  });
  return { clock, calls, world, refresh };
}

describe('TokenRefresh', () => {
  it('pauses and disconnects refreshBeforeExpiryMs before the token expires', () => {
    const { clock, calls, refresh } = setup();
    refresh.connected(auth, { token: 't', expiresAt: clock.now() + 60_000 });
    clock.advance(29_999);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['pause', 'disconnect']);
    expect(refresh.draining).toBe(true);
    expect(refresh.socketClosed()).toBe(true);
    expect(refresh.draining).toBe(false);
  });

  it('waits for in-flight QoS 1/2 to complete, at most DRAIN_LIMIT_MS', () => {
    const { clock, calls, world, refresh } = setup();
    world.inFlight = 3;
    refresh.connected(auth, { token: 't', expiresAt: clock.now() + 60_000 });
    clock.advance(30_000);
    expect(calls).toEqual(['pause']);
    clock.advance(DRAIN_LIMIT_MS - 100);
    expect(calls).toEqual(['pause']);
    world.inFlight = 0;
    clock.advance(20);
    expect(calls).toEqual(['pause', 'disconnect']);

    const late = setup();
    late.world.inFlight = 1;
    late.refresh.connected(auth, { token: 't', expiresAt: late.clock.now() + 60_000 });
    late.clock.advance(30_000 + DRAIN_LIMIT_MS);
    expect(late.calls).toEqual(['pause', 'disconnect']);
  });

  it('arms nothing without a known expiry or without auth', () => {
    const { clock, refresh } = setup();
    refresh.connected(auth, { token: 't', expiresAt: undefined });
    refresh.connected(undefined, { token: 't', expiresAt: clock.now() + 60_000 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('an unplanned close drops the pending refresh', () => {
    const { clock, calls, refresh } = setup();
    refresh.connected(auth, { token: 't', expiresAt: clock.now() + 60_000 });
    expect(refresh.socketClosed()).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(120_000);
    expect(calls).toEqual([]);
  });

  it('cancel() stops a drain under way', () => {
    const { clock, calls, world, refresh } = setup();
    world.inFlight = 1;
    refresh.connected(auth, { token: 't', expiresAt: clock.now() + 60_000 });
    clock.advance(30_000);
    refresh.cancel();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(DRAIN_LIMIT_MS * 2);
    expect(calls).toEqual(['pause']);
  });
});
