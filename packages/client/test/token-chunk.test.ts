import { describe, expect, it, vi } from 'vitest';
import * as tokens from '../src/connection/tokens';
import { ErrorCode } from '../src/core/errors';
import { flush } from './support/fake-mqtt';
import { harness } from './support/harness';

// The token code is a chunk of its own (connection/tokens.ts, fetched by load-tokens.ts for a client with auth). Its
// first load fails here, as a chunk a redeploy removed does: the attempt fails like any other, and the next one loads it.
const load = vi.hoisted(() => ({ calls: 0, failing: false }));
vi.mock('../src/connection/load-tokens', () => ({
  loadTokens: async () => {
    load.calls++;
    if (load.calls === 1 || load.failing) throw new Error('Failed to fetch dynamically imported module: tokens.mjs');
    return tokens; // the real chunk, already loaded
  },
}));

describe('connection: the token chunk', () => {
  it('fails the attempt when the chunk does not load, then loads it again for the next attempt', async () => {
    const provider = vi.fn(() => 'tok');
    const h = harness({ auth: { token: provider }, reconnect: { initialDelayMs: 1000, jitter: 'none' } });
    await flush();
    expect(load.calls).toBe(1); // fetched as the client is created, before connect()
    void h.client.connect().catch(() => undefined);
    await flush();
    expect(load.calls).toBe(2); // the failed load is not kept: the attempt asks again
    expect(provider).toHaveBeenCalledTimes(1);
    h.fake.acceptConnack();
    await flush();
    expect(h.client.state).toBe('connected');
    expect(h.fake.connects.map((c) => c.password)).toEqual(['tok']);
  });

  it('fails an attempt whose load fails, naming the chunk, and retries on the backoff', async () => {
    load.failing = true; // until the chunk is back
    const provider = vi.fn(() => 'tok');
    const h = harness({ auth: { token: provider }, reconnect: { initialDelayMs: 1000, jitter: 'none' } });
    void h.client.connect().catch(() => undefined);
    await flush();
    expect(h.factoryCalls).toBe(0);
    expect(provider).not.toHaveBeenCalled();
    expect(h.client.state).toBe('reconnecting');
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.CONNECTION_REFUSED]);
    expect(h.errors[0]!.message).toContain('Could not load the token code');
    expect((h.errors[0]!.cause as Error).message).toContain('tokens.mjs');
    load.failing = false;
    await h.clock.tick(1000);
    await flush();
    expect(provider).toHaveBeenCalledTimes(1);
    h.fake.acceptConnack();
    await flush();
    expect(h.client.state).toBe('connected');
  });
});
