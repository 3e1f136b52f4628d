import { describe, expect, it } from 'vitest';
import {
  STATE_TABLE,
  canTransition,
  transition,
  type ConnectionState,
} from '../src/core/state-machine';
import { seededRandom as mulberry32 } from './support/random';


const ALL: ConnectionState[] = ['idle', 'connecting', 'connected', 'reconnecting', 'offline', 'closed', 'failed'];

/** The lifecycle from API.md, written out independently of the table under test. */
const EXPECTED: Record<ConnectionState, ConnectionState[]> = {
  idle: ['connecting', 'offline', 'closed'],
  connecting: ['connected', 'reconnecting', 'offline', 'failed', 'closed'],
  connected: ['reconnecting', 'connecting', 'offline', 'failed', 'closed'],
  reconnecting: ['connecting', 'offline', 'failed', 'closed'],
  offline: ['connecting', 'reconnecting', 'failed', 'closed'],
  failed: ['connecting', 'offline', 'closed'],
  closed: [],
};

describe('STATE_TABLE', () => {
  it('has a row for every state and nothing else', () => {
    expect(Object.keys(STATE_TABLE).sort()).toEqual([...ALL].sort());
  });

  it('only names real states as next states, without duplicates', () => {
    for (const state of ALL) {
      const next = STATE_TABLE[state].next;
      for (const to of next) expect(ALL).toContain(to);
      expect(new Set(next).size).toBe(next.length);
    }
  });

  it('has exactly the documented transitions', () => {
    for (const state of ALL) expect([...STATE_TABLE[state].next].sort()).toEqual([...EXPECTED[state]].sort());
  });

  it('never lists a self-transition', () => {
    for (const state of ALL) expect(STATE_TABLE[state].next).not.toContain(state);
  });

  it('marks closed and failed terminal, nothing else', () => {
    expect(ALL.filter((s) => STATE_TABLE[s].terminal).sort()).toEqual(['closed', 'failed']);
  });

  it('queues publishes before connect(), while connecting, reconnecting and offline', () => {
    expect(ALL.filter((s) => STATE_TABLE[s].queuesPublishes).sort()).toEqual(
      ['connecting', 'idle', 'offline', 'reconnecting'],
    );
  });

  it('sends publishes directly only when connected', () => {
    expect(ALL.filter((s) => STATE_TABLE[s].sendsDirectly)).toEqual(['connected']);
  });

  it('rejects publishes (neither queues nor sends) in failed and closed', () => {
    for (const s of ['failed', 'closed'] as const) {
      expect(STATE_TABLE[s].queuesPublishes || STATE_TABLE[s].sendsDirectly).toBe(false);
    }
  });

  it('never both queues and sends directly', () => {
    for (const s of ALL) expect(STATE_TABLE[s].queuesPublishes && STATE_TABLE[s].sendsDirectly).toBe(false);
  });

  it('counts attempts only while connecting and reconnecting', () => {
    expect(ALL.filter((s) => STATE_TABLE[s].attempts).sort()).toEqual(['connecting', 'reconnecting']);
  });

  it('lets every non-closed state reach closed (close() always works)', () => {
    for (const s of ALL) if (s !== 'closed') expect(canTransition(s, 'closed')).toBe(true);
  });

  it('leaves failed only through connect() (connecting, or offline when the browser is offline) or close()', () => {
    expect([...STATE_TABLE.failed.next].sort()).toEqual(['closed', 'connecting', 'offline']);
  });
});

describe('canTransition and transition', () => {
  for (const from of ALL) {
    for (const to of ALL) {
      const allowed = EXPECTED[from].includes(to);
      it(`${allowed ? 'allows' : 'refuses'} ${from} -> ${to}`, () => {
        expect(canTransition(from, to)).toBe(allowed);
        if (allowed) expect(transition(from, to)).toBe(to);
        else expect(() => transition(from, to)).toThrow(`illegal transition ${from} -> ${to}`);
      });
    }
  }

  it('has no exit from closed', () => {
    for (const to of ALL) expect(() => transition('closed', to)).toThrow(Error);
  });

  it('throws a plain Error (a bug), not a WebMqttError', () => {
    try {
      transition('idle', 'connected');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).name).toBe('Error');
      expect((e as { code?: unknown }).code).toBeUndefined();
    }
  });

  it('refuses unknown states instead of crashing on them', () => {
    expect(canTransition('bogus' as ConnectionState, 'idle')).toBe(false);
    expect(canTransition('idle', 'bogus' as ConnectionState)).toBe(false);
    expect(canTransition('constructor' as ConnectionState, 'idle')).toBe(false);
    expect(() => transition('toString' as ConnectionState, 'idle')).toThrow('illegal transition');
  });
});

describe('random walk', () => {
  it('10k steps chosen only through canTransition never hit an illegal state', () => {
    const random = mulberry32(2024);
    let state: ConnectionState = 'idle';
    const visited = new Set<ConnectionState>([state]);
    for (let step = 0; step < 10_000; step++) {
      const options = ALL.filter((to) => canTransition(state, to));
      if (options.length === 0) {
        expect(state).toBe('closed');
        state = 'idle'; // a new client
        continue;
      }
      const next = options[Math.floor(random() * options.length)]!;
      state = transition(state, next);
      expect(ALL).toContain(state);
      visited.add(state);
    }
    expect(visited.size).toBe(ALL.length);
  });

  it('every state is reachable from idle', () => {
    const seen = new Set<ConnectionState>(['idle']);
    const todo: ConnectionState[] = ['idle'];
    while (todo.length > 0) {
      const s = todo.pop()!;
      for (const to of STATE_TABLE[s].next) if (!seen.has(to)) (seen.add(to), todo.push(to));
    }
    expect(seen.size).toBe(ALL.length);
  });
});
