import { describe, expect, it } from 'vitest';
import { pingProbe } from '../src/connection/ping-probe';
import { silentLogger } from '../src/core/logger';
import { ManualClock } from './support/fake-mqtt';

function probe(keepalive = 30, pingWorks = true) {
  const clock = new ManualClock();
  const socket = { generation: 1, packetsIn: 0, pings: 0, ping: () => (socket.pings++, pingWorks) };
  let dead = 0;
  let connected = true;
  const p = pingProbe(clock, silentLogger, keepalive, socket);
  const start = (): void => p.start(() => connected, () => dead++);
  return { p, clock, socket, start, dead: () => dead, disconnect: () => (connected = false) };
}

describe('pingProbe', () => {
  it('finds the link dead when nothing at all comes back within 5 s', () => {
    const t = probe();
    t.start();
    expect(t.socket.pings).toBe(1);
    t.clock.advance(4_999);
    expect(t.dead()).toBe(0);
    t.clock.advance(1);
    expect(t.dead()).toBe(1);
  });

  it('counts any packet as an answer', () => {
    const t = probe();
    t.start();
    t.socket.packetsIn++;
    t.clock.advance(5_000);
    expect(t.dead()).toBe(0);
  });

  it('waits no longer than the keepalive', () => {
    const t = probe(2);
    t.start();
    t.clock.advance(2_000);
    expect(t.dead()).toBe(1);
  });

  it('says nothing about a socket replaced since, or a connection no longer up', () => {
    const replaced = probe();
    replaced.start();
    replaced.socket.generation++;
    replaced.clock.advance(5_000);
    expect(replaced.dead()).toBe(0);
    const down = probe();
    down.start();
    down.disconnect();
    down.clock.advance(5_000);
    expect(down.dead()).toBe(0);
  });

  it('finds a socket that cannot take the ping dead at once, with no timer', () => {
    const t = probe(30, false);
    t.start();
    expect(t.dead()).toBe(1);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('keeps one deadline: a second ping restarts it, cancel() drops it', () => {
    const t = probe();
    t.start();
    t.clock.advance(3_000);
    t.start();
    t.clock.advance(3_000);
    expect(t.dead()).toBe(0);
    t.p.cancel();
    t.clock.advance(10_000);
    expect(t.dead()).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
  });
});
