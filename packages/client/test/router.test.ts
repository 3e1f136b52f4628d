import { describe, expect, it } from 'vitest';
import { Router } from '../src/messaging/router';
import { matchTopic } from '../src/messaging/topic-filter';
import { seededRandom as mulberry32 } from './support/random';


function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const WORDS = ['a', 'b', 'c', '', '$SYS', '$x'];

function randomTopic(random: () => number): string {
  const depth = 1 + Math.floor(random() * 4);
  return Array.from({ length: depth }, () => pick(random, WORDS)).join('/');
}

function randomFilter(random: () => number): string {
  const depth = 1 + Math.floor(random() * 4);
  const levels = Array.from({ length: depth }, () => (random() < 0.3 ? '+' : pick(random, WORDS)));
  if (random() < 0.3) levels.push('#');
  if (random() < 0.05) return '#';
  const filter = levels.join('/');
  if (random() < 0.1) return `$share/g${Math.floor(random() * 3)}/${filter}`;
  return filter;
}

describe('Router.match', () => {
  it('finds the handlers of matching filters only', () => {
    const router = new Router<string>();
    router.add('sensors/+/temperature', 'plus');
    router.add('sensors/#', 'hash');
    router.add('sensors/kitchen/temperature', 'exact');
    router.add('other/#', 'other');
    expect(router.match('sensors/kitchen/temperature')).toEqual(['plus', 'hash', 'exact']);
    expect(router.match('sensors/kitchen/humidity')).toEqual(['hash']);
    expect(router.match('sensors')).toEqual(['hash']);
    expect(router.match('nothing/here')).toEqual([]);
  });

  it('returns handlers in the overall order of add() calls, not by filter shape', () => {
    const router = new Router<number>();
    router.add('a/b', 1);
    router.add('#', 2);
    router.add('+/b', 3);
    router.add('a/#', 4);
    router.add('a/+', 5);
    router.add('a/b', 6);
    expect(router.match('a/b')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps two entries when the same handler is added twice to one filter', () => {
    const router = new Router<string>();
    const r1 = router.add('a', 'h');
    router.add('a', 'h');
    expect(router.match('a')).toEqual(['h', 'h']);
    r1();
    expect(router.match('a')).toEqual(['h']);
  });

  it('does not let wildcard filters see $-topics, but lets $-filters see them', () => {
    const router = new Router<string>();
    router.add('#', 'all');
    router.add('+/uptime', 'plus');
    router.add('$SYS/#', 'sys');
    router.add('$share/g/#', 'shared-all');
    expect(router.match('$SYS/uptime')).toEqual(['sys']);
    expect(router.match('app/uptime')).toEqual(['all', 'plus', 'shared-all']);
  });

  it('matches shared subscriptions with the $share/<group>/ prefix ignored', () => {
    const router = new Router<string>();
    router.add('$share/workers/jobs/+', 'shared');
    router.add('$queue/jobs/#', 'queue');
    expect(router.match('jobs/1')).toEqual(['shared', 'queue']);
    expect(router.match('$share/workers/jobs/1')).toEqual([]);
  });

  it('handles empty levels', () => {
    const router = new Router<string>();
    router.add('a//b', 'double');
    router.add('/+', 'leading');
    router.add('+/+', 'two');
    router.add('a/+/b', 'middle');
    expect(router.match('a//b')).toEqual(['double', 'middle']);
    expect(router.match('/x')).toEqual(['leading', 'two']);
    expect(router.match('/')).toEqual(['leading', 'two']);
  });

  it("matches the parent level with 'a/#'", () => {
    const router = new Router<string>();
    router.add('a/#', 'h');
    router.add('sport/tennis/+', 'never');
    expect(router.match('a')).toEqual(['h']);
    expect(router.match('sport/tennis')).toEqual([]);
  });

  it("does not treat a topic level spelt '+' or '#' as a wildcard subscription", () => {
    const router = new Router<string>();
    router.add('a/b', 'literal');
    expect(router.match('a/+')).toEqual([]);
    expect(router.match('#')).toEqual([]);
  });

  it('returns an empty array when nothing is registered', () => {
    expect(new Router<string>().match('a')).toEqual([]);
  });

  it('gives back the same array for a topic seen again (nothing allocated), until a filter is added or removed', () => {
    const router = new Router<string>();
    router.add('a/+', 'plus');
    const removeHash = router.add('#', 'hash');
    const first = router.match('a/b');
    expect(router.match('a/b')).toBe(first);
    expect(first).toEqual(['plus', 'hash']);
    router.add('a/b', 'exact');
    expect(router.match('a/b')).toEqual(['plus', 'hash', 'exact']);
    removeHash();
    expect(router.match('a/b')).toEqual(['plus', 'exact']);
    expect(first).toEqual(['plus', 'hash']); // what a dispatch already holds does not change under it
  });

  it('stays right for more distinct topics than it remembers', () => {
    const router = new Router<number>();
    router.add('t/+', 1);
    router.add('t/7', 2);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3_000; i++) expect(router.match(`t/${i}`)).toEqual(i === 7 ? [1, 2] : [1]);
    }
  });

  it('agrees with matchTopic on thousands of random filters and topics', () => {
    const random = mulberry32(12345);
    for (let round = 0; round < 20; round++) {
      const router = new Router<number>();
      const filters = Array.from({ length: 100 }, () => randomFilter(random));
      filters.forEach((filter, i) => router.add(filter, i));
      for (let i = 0; i < 200; i++) {
        const topic = randomTopic(random);
        const expected = filters.flatMap((filter, index) => (matchTopic(filter, topic) ? [index] : []));
        expect(router.match(topic), `${topic} in round ${round}`).toEqual(expected);
      }
    }
  });

  it('stays consistent with matchTopic while filters are added and removed at random', () => {
    const random = mulberry32(777);
    const router = new Router<number>();
    const live = new Map<number, { filter: string; remove: () => void }>();
    let next = 0;
    for (let step = 0; step < 5_000; step++) {
      if (live.size > 0 && random() < 0.45) {
        const ids = [...live.keys()];
        const id = pick(random, ids);
        live.get(id)!.remove();
        live.delete(id);
      } else {
        const filter = randomFilter(random);
        live.set(next, { filter, remove: router.add(filter, next) });
        next++;
      }
      if (step % 10 === 0) {
        const topic = randomTopic(random);
        const expected = [...live.entries()].filter(([, v]) => matchTopic(v.filter, topic)).map(([id]) => id);
        expect(router.match(topic)).toEqual(expected);
      }
    }
    for (const { remove } of live.values()) remove();
    for (let i = 0; i < 50; i++) expect(router.match(randomTopic(random))).toEqual([]);
  });
});

describe('Router removal', () => {
  it('removes only its own entry and is idempotent', () => {
    const router = new Router<string>();
    const remove = router.add('a', 'x');
    router.add('a', 'y');
    remove();
    remove();
    expect(router.match('a')).toEqual(['y']);
  });

  it('matches nothing once every filter is removed, wildcards and shared ones included (the trie is pruned: topic-trie.test.ts)', () => {
    const router = new Router<string>();
    const filters = ['a/b/c', 'a/+/c', 'a/#', '#', '+', 'x//y', '$share/g/q/#'];
    const removes = filters.map((f) => router.add(f, f));
    expect(router.match('a/b/c')).toEqual(['a/b/c', 'a/+/c', 'a/#', '#']);
    for (const remove of removes) remove();
    for (const topic of ['a/b/c', 'a', 'x//y', 'q/z']) expect(router.match(topic)).toEqual([]);
  });

  it('keeps sibling filters working after a neighbour is pruned', () => {
    const router = new Router<string>();
    const remove = router.add('a/b/c', 'deep');
    router.add('a/b', 'shallow');
    router.add('a/b/#', 'hash');
    remove();
    expect(router.match('a/b')).toEqual(['shallow', 'hash']);
    expect(router.match('a/b/c')).toEqual(['hash']);
  });

  it('allows a filter to be added again after it was removed', () => {
    const router = new Router<string>();
    router.add('a/b', 'first')();
    router.add('a/b', 'second');
    expect(router.match('a/b')).toEqual(['second']);
  });
});

describe('Router scale', () => {
  // Speed is measured in the router benchmark (npm run bench), never asserted against the wall clock here.
  it('matches 20k topics against 10,000 live filters, each to exactly its own filter and the catch-all', () => {
    const router = new Router<number>();
    for (let i = 0; i < 10_000; i++) router.add(`devices/${i}/+/state`, i);
    router.add('devices/#', -1);
    for (let i = 0; i < 20_000; i++) {
      const handlers = router.match(`devices/${i % 10_000}/x/state`);
      if (handlers.length !== 2) throw new Error(`unexpected ${handlers.length} handlers`);
    }
    expect(router.match('devices/42/x/state')).toEqual([42, -1]);
  });
});
