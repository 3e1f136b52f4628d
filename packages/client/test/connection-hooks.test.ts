import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionHooks } from '../src/connection/connection';
import { normalizeOptions, type ClientOptions } from '../src/core/options';
import { silentLogger } from '../src/core/logger';
import { STATE_TABLE } from '../src/core/state-machine';
import { FakeBrowserSignals, ManualClock, fakeFactory, flush, seededRandom } from './support/fake-mqtt';

/** A Connection on the fakes, its hook calls in order ('state a->b', 'connected', 'disconnected', …). */
function connection(overrides: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const signals = new FakeBrowserSignals();
  const made = fakeFactory();
  const calls: string[] = [];
  const opts = normalizeOptions({
    url: 'wss://broker.example.com:8085/mqtt',
    clientId: 'hooks',
    protocolVersion: 5,
    clock,
    random: seededRandom(3),
    reconnect: { jitter: 'none' },
    ...overrides,
  });
  const hooks: ConnectionHooks = {
    state: (change) => calls.push(`state ${change.previous}->${change.current}`),
    connected: () => calls.push('connected'),
    disconnected: () => calls.push('disconnected'),
    created: () => {},
    error: () => {},
    pause: () => calls.push('pause'),
    inFlight: () => 0,
    failed: () => calls.push('failed'),
    socket: () => {},
  };
  const conn = new Connection(opts, { clock, factory: made.factory, signals, logger: silentLogger }, hooks);
  return { conn, calls, clock, signals, made };
}

async function connected(c: ReturnType<typeof connection>): Promise<void> {
  void c.conn.connect().catch(() => {});
  await flush();
  c.made.fake.acceptConnack();
  await flush();
  c.calls.length = 0;
}

describe('Connection hooks follow STATE_TABLE.sendsDirectly', () => {
  it('resumes the layers above right after the state enters connected, the only state that sends directly', async () => {
    const c = connection();
    void c.conn.connect();
    await flush();
    c.made.fake.acceptConnack();
    await flush();
    expect(c.calls).toEqual(['state idle->connecting', 'state connecting->connected', 'connected']);
    expect(STATE_TABLE.connected.sendsDirectly).toBe(true);
  });

  it('pauses them once, before the state event, when a lost connection goes reconnecting', async () => {
    const c = connection();
    await connected(c);
    c.made.fake.dropSocket();
    await flush();
    expect(c.calls).toEqual(['disconnected', 'state connected->reconnecting']);
  });

  it('pauses them once when the client gives up from connected (reconnect: false)', async () => {
    const c = connection({ reconnect: false });
    await connected(c);
    c.made.fake.dropSocket();
    await flush();
    expect(c.calls).toEqual(['disconnected', 'state connected->failed', 'failed']);
  });

  it('pauses them once when closed while connected, and not at all when closed from any other state', async () => {
    const c = connection();
    await connected(c);
    await c.conn.close();
    expect(c.calls).toEqual(['disconnected', 'state connected->closed']);
    const idle = connection();
    await idle.conn.close();
    expect(idle.calls).toEqual(['state idle->closed']);
  });

  it('pauses them when the browser says offline while connected (the socket is dropped, then the state moves on)', async () => {
    const c = connection();
    await connected(c);
    c.signals.emit('offline');
    await flush();
    expect(c.calls.filter((call) => call === 'disconnected')).toHaveLength(1);
    expect(c.calls.indexOf('disconnected')).toBeLessThan(c.calls.findIndex((call) => call.startsWith('state connected->')));
  });
});
