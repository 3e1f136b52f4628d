import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/core/errors';
import { Router } from '../src/messaging/router';
import { STATE_TABLE, canTransition, transition, type ConnectionState } from '../src/core/state-machine';
import { matchTopic } from '../src/messaging/topic-filter';
import { validateTopicFilter } from '../src/messaging/topic';
import { flush } from './support/fake-mqtt';
import { harness, text, track } from './support/harness';

// Seeded runs: FC_SEED=<seed printed by a failure> replays it.
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

// ---- topic matching -------------------------------------------------------------------------

/**
 * The reference: MQTT's matching rules written as a regular expression per filter, a different route
 * from the level walk in topic-filter.ts and the trie in router.ts.
 */
function referenceMatch(filter: string, topic: string): boolean {
  let f = filter;
  if (f.startsWith('$share/')) f = f.split('/').slice(2).join('/');
  else if (f.startsWith('$queue/')) f = f.slice('$queue/'.length);
  // Wildcards at the first level never see $-topics ($SYS/...).
  if (topic.startsWith('$') && (f.startsWith('+') || f.startsWith('#'))) return false;
  const escape = (level: string): string => level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const levels = f.split('/');
  let pattern = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level === '#') {
      // '#' matches the parent level itself and everything below it.
      pattern = i === 0 ? '.*' : `${pattern}(/.*)?`;
      break;
    }
    pattern += (i === 0 ? '' : '/') + (level === '+' ? '[^/]*' : escape(level));
  }
  return new RegExp(`^${pattern}$`, 's').test(topic);
}

const topicLevel = fc.constantFrom('a', 'b', 'c', '', '$SYS', '$x', 'a.b', 'x y', '\u00e9', '\u{1F600}', '(', '.*');
const topicArb = fc.array(topicLevel, { minLength: 1, maxLength: 5 }).map((levels) => levels.join('/')).filter((t) => t.length > 0);
const filterArb = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: topicLevel }, { weight: 2, arbitrary: fc.constant('+') }), { minLength: 0, maxLength: 5 }),
    fc.boolean(),
    fc.constantFrom('', '', '', '$share/g/', '$share/group-1/', '$queue/'),
  )
  .map(([levels, hash, prefix]) => prefix + [...levels, ...(hash ? ['#'] : [])].join('/'))
  .filter((f) => validateTopicFilter(f) === undefined);
/** Topics built from a filter, so matches are common rather than rare. */
const pairArb = fc.oneof(
  fc.tuple(filterArb, topicArb),
  fc.tuple(filterArb, fc.array(topicLevel, { minLength: 0, maxLength: 3 })).map(([filter, tail]) => {
    const base = filter.replace(/^\$share\/[^/]+\//, '').replace(/^\$queue\//, '');
    const topic = base.split('/').flatMap((level) => (level === '+' ? ['a'] : level === '#' ? tail : [level])).join('/');
    return [filter, topic.length > 0 ? topic : 'a'] as [string, string];
  }),
);

describe('matchTopic against a reference implementation', () => {
  it('the reference agrees with the documented examples', () => {
    expect(referenceMatch('sensors/+/temperature', 'sensors/kitchen/temperature')).toBe(true);
    expect(referenceMatch('sensors/#', 'sensors')).toBe(true);
    expect(referenceMatch('#', '$SYS/uptime')).toBe(false);
    expect(referenceMatch('+/+', '/')).toBe(true);
    expect(referenceMatch('$share/g/a/+', 'a/b')).toBe(true);
    expect(referenceMatch('a/+', 'a/b/c')).toBe(false);
  });

  it('gives the same answer for generated filters and topics ($-topics, empty levels, +, #, $share/$queue prefixes)', () => {
    fc.assert(
      fc.property(pairArb, ([filter, topic]) => {
        expect(matchTopic(filter, topic)).toBe(referenceMatch(filter, topic));
      }),
      runs(5_000),
    );
  });

  it('a filter without wildcards matches exactly its own topic', () => {
    fc.assert(
      fc.property(topicArb, topicArb, (a, b) => {
        expect(matchTopic(a, b)).toBe(a === b);
      }),
      runs(2_000),
    );
  });
});

describe('Router against matchTopic', () => {
  const op = fc.oneof(
    { weight: 3, arbitrary: filterArb.map((filter) => ({ kind: 'add' as const, filter })) },
    { weight: 1, arbitrary: fc.nat(30).map((index) => ({ kind: 'remove' as const, index })) },
    { weight: 2, arbitrary: topicArb.map((topic) => ({ kind: 'match' as const, topic })) },
  );

  it('after any sequence of add/remove, match() returns exactly the live handlers whose filter matches, in add order, once each', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(topicArb, { minLength: 1, maxLength: 5 }), (ops, probes) => {
        const router = new Router<number>();
        const live: Array<{ id: number; filter: string; remove: () => void }> = [];
        let nextId = 0;
        const check = (topic: string): void => {
          const expected = live.filter((e) => matchTopic(e.filter, topic)).map((e) => e.id);
          expect(router.match(topic)).toEqual(expected);
        };
        for (const step of ops) {
          if (step.kind === 'add') {
            const id = nextId++;
            live.push({ id, filter: step.filter, remove: router.add(step.filter, id) });
          } else if (step.kind === 'remove') {
            if (live.length === 0) continue;
            const [entry] = live.splice(step.index % live.length, 1);
            entry?.remove();
            entry?.remove(); // idempotent
          } else {
            check(step.topic);
          }
        }
        for (const topic of probes) check(topic);
        for (const entry of live.splice(0)) entry.remove();
        for (const topic of probes) expect(router.match(topic)).toEqual([]);
      }),
      runs(1_000),
    );
  });
});

// ---- state machine ----------------------------------------------------------------------------

/** Every state: the table's rows. */
const CONNECTION_STATES = Object.keys(STATE_TABLE) as ConnectionState[];

describe('state machine under random event sequences', () => {
  const stateArb = fc.constantFrom(...CONNECTION_STATES);

  it('transition() follows canTransition(): legal steps return the target, illegal ones throw and change nothing', () => {
    fc.assert(
      fc.property(fc.array(stateArb, { maxLength: 60 }), (targets) => {
        let state: ConnectionState = 'idle';
        for (const target of targets) {
          if (canTransition(state, target)) {
            expect(target).not.toBe(state);
            state = transition(state, target);
            expect(state).toBe(target);
          } else {
            const before = state;
            expect(() => transition(state, target)).toThrow(/illegal transition/);
            expect(state).toBe(before);
          }
          expect(CONNECTION_STATES).toContain(state);
        }
      }),
      runs(2_000),
    );
  });

  it('from every reachable state, close() (-> closed) is legal unless already closed, and closed is final', () => {
    fc.assert(
      fc.property(fc.array(stateArb, { maxLength: 30 }), (targets) => {
        let state: ConnectionState = 'idle';
        for (const target of targets) if (canTransition(state, target)) state = transition(state, target);
        expect(canTransition(state, 'closed')).toBe(state !== 'closed');
        for (const next of CONNECTION_STATES) expect(canTransition('closed', next)).toBe(false);
      }),
      runs(1_000),
    );
  });

  it('the table is consistent: every target is a state, no self-transition, every state reachable from idle', () => {
    const reachable = new Set<ConnectionState>(['idle']);
    const queue: ConnectionState[] = ['idle'];
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      for (const next of STATE_TABLE[s].next) {
        expect(CONNECTION_STATES).toContain(next);
        expect(next).not.toBe(s);
        if (!reachable.has(next)) {
          reachable.add(next);
          queue.push(next);
        }
      }
    }
    expect([...reachable].sort()).toEqual([...CONNECTION_STATES].sort());
    fc.assert(
      fc.property(fc.string(), stateArb, (junk, state) => {
        fc.pre(!(CONNECTION_STATES as readonly string[]).includes(junk));
        expect(canTransition(junk as ConnectionState, state)).toBe(false);
        expect(canTransition(state, junk as ConnectionState)).toBe(false);
      }),
      runs(500),
    );
    expect(canTransition('constructor' as ConnectionState, 'closed')).toBe(false);
    expect(canTransition('__proto__' as ConnectionState, 'closed')).toBe(false);
  });
});

// ---- model-based: the real client on a fake MQTT.js and a manual clock ------------------------------

type Command =
  | { kind: 'publish'; qos: 0 | 1 | 2 }
  | { kind: 'connack'; sessionPresent: boolean }
  | { kind: 'drop' }
  | { kind: 'ack'; all: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'offline' }
  | { kind: 'online' }
  | { kind: 'backpressure'; on: boolean }
  | { kind: 'close' };

function commandArb(withBackpressure: boolean): fc.Arbitrary<Command> {
  const base: Array<fc.WeightedArbitrary<Command>> = [
    { weight: 6, arbitrary: fc.constantFrom<0 | 1 | 2>(0, 1, 2).map((qos) => ({ kind: 'publish' as const, qos })) },
    { weight: 3, arbitrary: fc.boolean().map((sessionPresent) => ({ kind: 'connack' as const, sessionPresent })) },
    { weight: 2, arbitrary: fc.constant({ kind: 'drop' as const }) },
    { weight: 3, arbitrary: fc.boolean().map((all) => ({ kind: 'ack' as const, all })) },
    { weight: 2, arbitrary: fc.constantFrom(10, 500, 1_000, 5_000, 15_000).map((ms) => ({ kind: 'advance' as const, ms })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'offline' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'online' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
  ];
  if (withBackpressure) base.push({ weight: 2, arbitrary: fc.boolean().map((on) => ({ kind: 'backpressure' as const, on })) });
  return fc.oneof(...base);
}

/** Runs a command sequence against a real client; checks the invariants along the way and at the end. */
async function runModel(commands: Command[]): Promise<void> {
  const h = harness({ reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 } });
  const { client, clock } = h;
  const illegal: string[] = [];
  let last: ConnectionState = 'idle';
  client.on('state', ({ previous, current }) => {
    if (previous !== last || !canTransition(previous, current)) illegal.push(`${previous}(${last}) -> ${current}`);
    last = current;
  });
  const connecting = track(client.connect());
  const publishes: Array<{ seq: number; qos: 0 | 1 | 2; probe: ReturnType<typeof track<void>>; afterClose: boolean }> = [];
  let closed = false;
  let seq = 0;
  await flush();
  for (const command of commands) {
    switch (command.kind) {
      case 'publish': {
        const n = seq++;
        publishes.push({ seq: n, qos: command.qos, probe: track(client.publish('model/t', String(n), { qos: command.qos })), afterClose: closed });
        break;
      }
      case 'connack':
        if (h.factoryCalls > 0 && h.fake.awaitingConnack) h.fake.acceptConnack({ sessionPresent: command.sessionPresent });
        break;
      case 'drop':
        if (h.factoryCalls > 0) h.fake.dropSocket();
        break;
      case 'ack':
        if (h.factoryCalls > 0) {
          const first = h.fake.unacked.find((p) => p.stream !== undefined && !p.stream.destroyed);
          if (command.all) h.fake.ack('all');
          else if (first?.messageId !== undefined) h.fake.ack(first.messageId);
        }
        break;
      case 'advance':
        await clock.tick(command.ms);
        break;
      case 'offline':
        h.signals.emit('offline');
        break;
      case 'online':
        h.signals.emit('online');
        break;
      case 'backpressure':
        if (h.factoryCalls > 0) {
          h.fake.holdQos0 = command.on;
          if (!command.on) h.fake.writeQos0();
        }
        break;
      case 'close':
        void client.close();
        closed = true;
        break;
    }
    await flush(2);
    expect(CONNECTION_STATES).toContain(client.state);
    // Before close(), nothing is rejected: the queue (1,000) is never full here and nothing else may fail a publish.
    for (const p of publishes) if (!closed && p.probe.state === 'rejected') throw new Error(`publish #${p.seq} (QoS ${p.qos}) rejected before close(): ${p.probe.error?.code}`);
  }
  await client.close();
  await clock.tick(2_000);
  await flush();

  expect(illegal).toEqual([]);
  expect(client.state).toBe('closed');
  expect(connecting.state).not.toBe('pending');
  // Every publish() settled; after close() only with CLIENT_CLOSED.
  const pending = publishes.filter((p) => p.probe.state === 'pending').map((p) => `#${p.seq} QoS ${p.qos}`);
  expect(pending).toEqual([]);
  for (const p of publishes) {
    if (p.probe.state === 'rejected') expect(p.probe.error.code).toBe(ErrorCode.CLIENT_CLOSED);
    if (p.afterClose) expect(p.probe.state).toBe('rejected');
  }
  // QoS 1: on each connection, messages go out in the order they were published.
  if (h.factoryCalls > 0) {
    const byStream = new Map<unknown, number[]>();
    for (const record of h.fake.publishes) {
      if (record.opts.qos !== 1 || record.stream === undefined) continue;
      const list = byStream.get(record.stream) ?? [];
      list.push(Number(text(record.payload)));
      byStream.set(record.stream, list);
    }
    for (const order of byStream.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
  }
}

describe('model-based: the client under random publish / connack / drop / ack / time / offline / close sequences', () => {
  it('state changes are always legal, every publish() settles by close(), QoS 1 order holds per connection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb(false), { minLength: 1, maxLength: 40 }), (commands) => runModel(commands)),
      runs(300),
    );
  });

  // MQTT.js calls a QoS 0 publish back only after 'drain': one written into a socket that then dies must still settle.
  it('with socket backpressure on QoS 0 writes, every publish() still settles by close()', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb(true), { minLength: 1, maxLength: 40 }), (commands) => runModel(commands)),
      runs(300),
    );
  });
});
