import { describe, expect, it } from 'vitest';
import type { BrowserSignal } from '../src/platform/browser-signals';
import { signalReaction } from '../src/connection/signal-reaction';
import { STATE_TABLE, type ConnectionState } from '../src/core/state-machine';

const states = Object.keys(STATE_TABLE) as ConnectionState[];

describe('signalReaction', () => {
  it.each([
    ['offline', 'connected', 'drop-socket'],
    ['offline', 'connecting', 'go-offline'],
    ['offline', 'reconnecting', 'go-offline'],
    ['pageshow', 'connected', 'replace-socket'],
    ['visible', 'connected', 'ping'],
    ['online', 'connected', 'none'],
    ['online', 'reconnecting', 'retry-now'],
    ['online', 'offline', 'retry-now'],
    ['visible', 'reconnecting', 'retry-now'],
    ['pageshow', 'offline', 'retry-now'],
    ['online', 'connecting', 'none'],
  ] as const)('%s while %s: %s', (signal, state, reaction) => {
    expect(signalReaction(signal, state)).toBe(reaction);
  });

  it('ignores hidden in every state', () => {
    for (const state of states) expect(signalReaction('hidden', state)).toBe('none');
  });

  it('does nothing in idle, failed or closed, whatever the signal', () => {
    const signals: BrowserSignal[] = ['online', 'offline', 'visible', 'hidden', 'pageshow'];
    for (const state of ['idle', 'failed', 'closed'] as const) {
      for (const signal of signals) expect(signalReaction(signal, state)).toBe('none');
    }
  });
});
