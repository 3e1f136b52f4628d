import { createRequire } from 'node:module';
import fc from 'fast-check';
import { LRUCache as RealLRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import * as lruModule from '../../src/engine/lru-cache';
import { LRUCache } from '../../src/engine/lru-cache';
import { asRequired, injectedProcess, loadCommonJs } from './mqtt-packet-over-stand-ins';

// Seeded runs: FC_SEED=<seed printed by a failure> replays it.
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

describe('LRUCache as topic-alias-send uses it', () => {
  it('get returns the value and makes the entry the most recently used', () => {
    const cache = new LRUCache<number, string>({ max: 3 });
    cache.set(1, 'a').set(2, 'b').set(3, 'c');
    expect([...cache.keys()]).toEqual([3, 2, 1]);
    expect(cache.get(1)).toBe('a');
    expect([...cache.keys()]).toEqual([1, 3, 2]);
    expect(cache.get(9)).toBeUndefined();
    expect([...cache.keys()]).toEqual([1, 3, 2]);
  });

  it('set at max evicts the least recently used entry (get counts as a use)', () => {
    const cache = new LRUCache<number, string>({ max: 2 });
    cache.set(1, 'a');
    cache.set(2, 'b');
    cache.get(1);
    cache.set(3, 'c');
    expect(cache.size).toBe(2);
    expect(cache.get(2)).toBeUndefined();
    expect([...cache.keys()]).toEqual([3, 1]);
  });

  it('set of a key already there replaces its value and makes it the most recent, evicting nothing', () => {
    const cache = new LRUCache<number, string>({ max: 2 });
    cache.set(1, 'a').set(2, 'b').set(1, 'A');
    expect(cache.size).toBe(2);
    expect([...cache.keys()]).toEqual([1, 2]);
    expect(cache.get(1)).toBe('A');
  });

  it('keys() goes from the most to the least recently used: [...keys()][size - 1] is the LRU entry', () => {
    const cache = new LRUCache<number, string>({ max: 4 });
    for (const k of [4, 3, 2, 1]) cache.set(k, `t${k}`);
    cache.get(4);
    cache.get(2);
    const keys = [...cache.keys()];
    expect(keys).toEqual([2, 4, 1, 3]);
    expect(keys[cache.size - 1]).toBe(3);
  });

  it('size and clear', () => {
    const cache = new LRUCache<number, string>({ max: 3 });
    expect(cache.size).toBe(0);
    cache.set(1, 'a').set(2, 'b');
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
    expect([...cache.keys()]).toEqual([]);
    expect(cache.get(1)).toBeUndefined();
    cache.set(5, 'e');
    expect([...cache.keys()]).toEqual([5]);
  });

  it('max is kept; a max below 1 is refused (topic-alias-send only builds one for max > 0)', () => {
    expect(new LRUCache({ max: 7 }).max).toBe(7);
    expect(() => new LRUCache({ max: 0 })).toThrow(TypeError);
    expect(() => new RealLRUCache({ max: 0 })).toThrow(TypeError);
  });

  it('behaves as the real lru-cache on random operation sequences', () => {
    const key = fc.integer({ min: 1, max: 7 });
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constant('set' as const), key, fc.string({ minLength: 1, maxLength: 3 })) },
      { weight: 3, arbitrary: fc.tuple(fc.constant('get' as const), key) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('has' as const), key) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('delete' as const), key) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const)) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const mine = new LRUCache<number, string>({ max });
        const real = new RealLRUCache<number, string>({ max });
        for (const [kind, k, v] of ops) {
          switch (kind) {
            case 'set':
              mine.set(k, v);
              real.set(k, v);
              break;
            case 'get':
              expect(mine.get(k)).toBe(real.get(k));
              break;
            case 'has':
              expect(mine.has(k)).toBe(real.has(k));
              break;
            case 'delete':
              expect(mine.delete(k)).toBe(real.delete(k));
              break;
            case 'clear':
              mine.clear();
              real.clear();
              break;
          }
          expect(mine.size).toBe(real.size);
          expect([...mine.keys()]).toEqual([...real.keys()]);
        }
      }),
      runs(1000),
    );
  });

  it('the module gives `require("lru-cache").LRUCache`, as topic-alias-send.js reads it', () => {
    expect((asRequired(lruModule) as { LRUCache: unknown }).LRUCache).toBe(LRUCache);
  });
});

describe('MQTT.js’s own topic-alias-send.js over the stand-in', () => {
  interface TopicAliasSend {
    length: number;
    put(topic: string, alias: number): boolean;
    getTopicByAlias(alias: number): string | undefined;
    getAliasByTopic(topic: string): number | undefined;
    getLruAlias(): number | undefined;
    clear(): void;
  }
  type TopicAliasSendClass = new (max: number) => TopicAliasSend;
  const nodeRequire = createRequire(import.meta.url);
  const RealTopicAliasSend = (nodeRequire('mqtt/lib/topic-alias-send') as { default: TopicAliasSendClass }).default;
  const file = nodeRequire.resolve('mqtt/lib/topic-alias-send');
  const StandInTopicAliasSend = (loadCommonJs(file, { 'lru-cache': asRequired(lruModule) }, { process: injectedProcess }) as { default: TopicAliasSendClass }).default;

  it('is really built over the stand-in', () => {
    const aliases = new StandInTopicAliasSend(2) as unknown as { aliasToTopic: unknown };
    expect(aliases.aliasToTopic).toBeInstanceOf(LRUCache);
  });

  it('once every alias is taken, getLruAlias is the alias least recently put or looked up', () => {
    const aliases = new StandInTopicAliasSend(3);
    aliases.put('a', 1);
    aliases.put('b', 2);
    aliases.put('c', 3);
    expect(aliases.getLruAlias()).toBe(1);
    aliases.getAliasByTopic('a');
    expect(aliases.getLruAlias()).toBe(2);
    aliases.getTopicByAlias(2);
    expect(aliases.getLruAlias()).toBe(3);
    aliases.put('d', 3);
    expect([aliases.getTopicByAlias(3), aliases.getAliasByTopic('c'), aliases.length]).toEqual(['d', undefined, 3]);
  });

  it('answers as the real one (over the real lru-cache) on random operation sequences', () => {
    const topic = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constant('put' as const), topic, fc.integer({ min: 0, max: 6 })) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('byAlias' as const), topic, fc.integer({ min: 0, max: 6 })) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('byTopic' as const), topic, fc.constant(0)) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('lru' as const), topic, fc.constant(0)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const), topic, fc.constant(0)) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const mine = new StandInTopicAliasSend(max);
        const real = new RealTopicAliasSend(max);
        for (const [kind, t, alias] of ops) {
          switch (kind) {
            case 'put':
              expect(mine.put(t, alias)).toBe(real.put(t, alias));
              break;
            case 'byAlias':
              expect(mine.getTopicByAlias(alias)).toBe(real.getTopicByAlias(alias));
              break;
            case 'byTopic':
              expect(mine.getAliasByTopic(t)).toBe(real.getAliasByTopic(t));
              break;
            case 'lru':
              expect(mine.getLruAlias()).toBe(real.getLruAlias());
              break;
            case 'clear':
              mine.clear();
              real.clear();
              break;
          }
          expect(mine.length).toBe(real.length);
        }
      }),
      runs(1000),
    );
  });
});
