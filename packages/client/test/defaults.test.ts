import { describe, expect, it } from 'vitest';
import { DEFAULT_OFFLINE_QUEUE, DEFAULT_RECONNECT } from '../src/core/defaults';
import { normalizeOptions } from '../src/core/options';

const url = 'wss://broker.example.com:8085/mqtt';

describe('DEFAULT_RECONNECT', () => {
  it('matches the documented defaults', () => {
    expect(DEFAULT_RECONNECT).toEqual({
      initialDelayMs: 1000,
      maxDelayMs: 30000,
      factor: 2,
      jitter: 'full',
      maxAttempts: Infinity,
      resetAfterMs: 10000,
    });
  });

  it('is what the reconnect option becomes when absent, true or empty (options read the one copy)', () => {
    for (const reconnect of [undefined, true, {}]) expect(normalizeOptions({ url, reconnect }).reconnect).toEqual(DEFAULT_RECONNECT);
  });

  it('fills only the fields left out', () => {
    expect(normalizeOptions({ url, reconnect: { factor: 3 } }).reconnect).toEqual({ ...DEFAULT_RECONNECT, factor: 3 });
  });

  it('raises the default maxDelayMs to an initialDelayMs above it', () => {
    expect(normalizeOptions({ url, reconnect: { initialDelayMs: 45_000 } }).reconnect).toMatchObject({ initialDelayMs: 45_000, maxDelayMs: 45_000 });
  });
});

describe('DEFAULT_OFFLINE_QUEUE', () => {
  it('matches the documented defaults', () => {
    expect(DEFAULT_OFFLINE_QUEUE).toEqual({ maxMessages: 1000, maxBytes: 1_048_576, overflow: 'drop-oldest', persist: false });
  });

  it('is what the offlineQueue option becomes when absent, true or empty (options read the one copy)', () => {
    for (const offlineQueue of [undefined, true, {}]) expect(normalizeOptions({ url, offlineQueue }).offlineQueue).toEqual(DEFAULT_OFFLINE_QUEUE);
  });
});
