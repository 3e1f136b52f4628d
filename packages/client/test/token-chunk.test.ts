import { describe, expect, it, vi } from 'vitest';
import * as refreshChunk from '../src/connection/token-refresh';
import { flush } from './support/fake-mqtt';
import { harness } from './support/harness';

// The token refresh is a chunk of its own (connection/token-refresh.ts, fetched by load-token-refresh.ts after a
// CONNACK with a token provider). Here a load fails, as a chunk a redeploy removed does.
const load = vi.hoisted(() => ({ calls: 0, failing: false }));
vi.mock('../src/connection/load-token-refresh', () => ({
  loadTokenRefresh: async () => {
    load.calls++;
    if (load.failing) throw new Error('Failed to fetch dynamically imported module: token-refresh.mjs');
    return refreshChunk; // the real chunk, already loaded
  },
}));

const logger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('connection: the token refresh chunk', () => {
  it('is not fetched before the first CONNACK, nor for a static token, and once for a provider', async () => {
    load.calls = 0;
    load.failing = false;
    const still = harness({ auth: { token: 'static-token' } });
    await still.connectNow();
    expect(load.calls).toBe(0);

    const h = harness({ auth: { token: () => ({ token: 't', expiresAt: h.clock.now() + 120_000 }), refreshBeforeExpiryMs: 60_000 } });
    void h.client.connect();
    await flush();
    expect(h.fake.connects).toHaveLength(1); // the CONNECT went out with nothing fetched
    expect(load.calls).toBe(0);
    h.fake.acceptConnack();
    await flush();
    expect(load.calls).toBe(1);
    expect(h.clock.pendingDelays).toContain(60_000);
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    expect(h.client.state).toBe('connected');
    expect(load.calls).toBe(1);
  });

  it('leaves the connection up when the chunk does not load, says so, and loads it after the next CONNACK', async () => {
    load.calls = 0;
    load.failing = true;
    const log = logger();
    const h = harness({ logger: log, auth: { token: () => ({ token: 't', expiresAt: h.clock.now() + 120_000 }), refreshBeforeExpiryMs: 60_000 } });
    await h.connectNow();
    expect(h.client.state).toBe('connected');
    expect(h.errors).toEqual([]);
    expect(load.calls).toBe(1);
    expect(h.clock.pendingDelays).not.toContain(60_000);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('could not load the token refresh code'), expect.objectContaining({ cause: expect.any(Error) }));
    load.failing = false;
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    expect(load.calls).toBe(2);
    expect(h.clock.pendingDelays).toContain(60_000);
  });
});
