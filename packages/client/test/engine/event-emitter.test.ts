import { EventEmitter as NodeEventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as eventsModule from '../../src/engine/event-emitter';
import { EventEmitter } from '../../src/engine/event-emitter';
import { asRequired } from './mqtt-packet-over-stand-ins';

type Listener = (...args: any[]) => void;
/** What the scenarios use, common to Node's emitter and the stand-in. */
interface Emitter {
  on(event: string, fn: Listener): unknown;
  once(event: string, fn: Listener): unknown;
  prependListener(event: string, fn: Listener): unknown;
  removeListener(event: string, fn: Listener): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  listeners(event: string): Function[];
}

/** Runs `scenario` on Node's EventEmitter and on the stand-in; both logs must be the same (and are returned). */
function sameAsNode(scenario: (emitter: Emitter, log: unknown[]) => void): unknown[] {
  const nodeLog: unknown[] = [];
  scenario(new NodeEventEmitter() as unknown as Emitter, nodeLog);
  const mine: unknown[] = [];
  scenario(new EventEmitter(), mine);
  expect(mine).toEqual(nodeLog);
  return mine;
}

/** shared.js's applyMixin, replicated: copies every prototype property of `mixin` and its bases onto `target`. */
function applyMixin(target: { prototype: object }, mixin: Function): void {
  const chain: Function[] = [mixin];
  for (;;) {
    const base = Object.getPrototypeOf(chain[0]) as { prototype?: object } | null;
    if (base?.prototype) chain.unshift(base as Function);
    else break;
  }
  for (const ctor of chain) {
    for (const prop of Object.getOwnPropertyNames(ctor.prototype)) {
      if (prop !== 'constructor') {
        Object.defineProperty(target.prototype, prop, Object.getOwnPropertyDescriptor(ctor.prototype, prop) ?? Object.create(null));
      }
    }
  }
}

describe('EventEmitter: listener order and emit', () => {
  it('runs listeners in the order added, with the arguments, `this` the emitter; emit says whether any ran', () => {
    const log = sameAsNode((emitter, log) => {
      emitter.on('x', function (this: unknown, a: unknown, b: unknown) {
        log.push(['first', a, b, this === emitter]);
      });
      emitter.on('x', (a: unknown) => log.push(['second', a]));
      log.push(emitter.emit('x', 1, 2));
      log.push(emitter.emit('other'));
    });
    expect(log).toEqual([['first', 1, 2, true], ['second', 1], true, false]);
  });

  it('prependListener runs before the ones already added', () => {
    const log = sameAsNode((emitter, log) => {
      emitter.on('x', () => log.push('a'));
      emitter.on('x', () => log.push('b'));
      emitter.prependListener('x', () => log.push('first'));
      emitter.emit('x');
    });
    expect(log).toEqual(['first', 'a', 'b']);
  });

  it('symbol events work', () => {
    const emitter = new EventEmitter();
    const key = Symbol('k');
    const got: unknown[] = [];
    emitter.on(key, (v: unknown) => got.push(v));
    expect(emitter.emit(key, 5)).toBe(true);
    expect(got).toEqual([5]);
    expect(emitter.eventNames()).toEqual([key]);
  });

  it('a listener that is not a function is refused', () => {
    expect(() => new EventEmitter().on('x', 'nope' as never)).toThrow(TypeError);
  });
});

describe('EventEmitter: snapshot semantics during emit', () => {
  it('a listener added during an emit runs from the next emit on', () => {
    const log = sameAsNode((emitter, log) => {
      let added = false;
      emitter.on('x', () => {
        log.push('a');
        if (!added) {
          added = true;
          emitter.on('x', () => log.push('late'));
        }
      });
      emitter.on('x', () => log.push('b'));
      emitter.emit('x');
      log.push('|');
      emitter.emit('x');
    });
    expect(log).toEqual(['a', 'b', '|', 'a', 'b', 'late']);
  });

  it('a listener removed during an emit still runs in that emit, not in the next', () => {
    const log = sameAsNode((emitter, log) => {
      const b = () => log.push('b');
      emitter.on('x', () => {
        log.push('a');
        emitter.removeListener('x', b);
      });
      emitter.on('x', b);
      emitter.emit('x');
      log.push('|');
      emitter.emit('x');
    });
    expect(log).toEqual(['a', 'b', '|', 'a']);
  });

  it('a once listener removed by an earlier listener of the same emit still runs once (as Node)', () => {
    const log = sameAsNode((emitter, log) => {
      const o = () => log.push('once');
      emitter.on('x', () => {
        log.push('a');
        emitter.removeListener('x', o);
      });
      emitter.once('x', o);
      emitter.emit('x');
      emitter.emit('x');
    });
    expect(log).toEqual(['a', 'once', 'a']);
  });
});

describe('EventEmitter: once', () => {
  it('is removed before it runs', () => {
    const log = sameAsNode((emitter, log) => {
      emitter.once('x', (v: unknown) => log.push(['once', v, emitter.listenerCount('x')]));
      emitter.emit('x', 1);
      emitter.emit('x', 2);
      log.push(emitter.listenerCount('x'));
    });
    expect(log).toEqual([['once', 1, 0], 0]);
  });

  it('re-emitting the event from inside the once listener does not run it again', () => {
    const log = sameAsNode((emitter, log) => {
      emitter.once('x', (depth: number) => {
        log.push(['once', depth]);
        emitter.emit('x', depth + 1);
      });
      emitter.on('x', (depth: number) => log.push(['on', depth]));
      emitter.emit('x', 0);
    });
    expect(log).toEqual([['once', 0], ['on', 1], ['on', 0]]);
  });

  // Node's once wrapper keeps a `fired` flag, so the outer emit, which still holds it in its snapshot,
  // skips it: a once listener runs at most once, however emits nest.
  it('runs at most once even when an earlier listener re-emits the event before the outer emit reaches it', () => {
    const log = sameAsNode((emitter, log) => {
      let depth = 0;
      emitter.on('x', () => {
        log.push(['a', depth]);
        if (depth === 0) {
          depth++;
          emitter.emit('x');
        }
      });
      emitter.once('x', () => log.push('once'));
      emitter.emit('x');
    });
    expect(log).toEqual([['a', 0], ['a', 1], 'once']);
  });

  it('can be removed with the function it was given', () => {
    const emitter = new EventEmitter();
    let calls = 0;
    const fn = () => calls++;
    emitter.once('x', fn);
    expect(emitter.listeners('x')).toEqual([fn]);
    emitter.removeListener('x', fn);
    emitter.emit('x');
    expect(calls).toBe(0);
    expect(emitter.listenerCount('x')).toBe(0);
  });
});

describe('EventEmitter: removeListener, off, removeAllListeners', () => {
  it('removes the last-added registration of the same function', () => {
    const log = sameAsNode((emitter, log) => {
      const f = (tag: string) => log.push(['f', tag]);
      const g = () => log.push('g');
      emitter.on('x', f);
      emitter.on('x', g);
      emitter.on('x', f);
      emitter.removeListener('x', f);
      log.push(emitter.listeners('x').map((fn) => (fn === f ? 'f' : fn === g ? 'g' : '?')));
      emitter.emit('x', 'one');
    });
    expect(log).toEqual([['f', 'g'], ['f', 'one'], 'g']);
  });

  it('on(f) then once(f): removeListener(f) removes the once registration, the plain one stays', () => {
    const log = sameAsNode((emitter, log) => {
      const f = () => log.push('f');
      emitter.on('x', f);
      emitter.once('x', f);
      emitter.removeListener('x', f);
      emitter.emit('x');
      emitter.emit('x');
      log.push(emitter.listenerCount('x'));
    });
    expect(log).toEqual(['f', 'f', 1]);
  });

  it('removing a function that is not registered changes nothing; off is removeListener', () => {
    const emitter = new EventEmitter();
    const f = () => {};
    emitter.on('x', f);
    expect(emitter.removeListener('x', () => {})).toBe(emitter);
    expect(emitter.removeListener('nothing', f)).toBe(emitter);
    expect(emitter.listenerCount('x')).toBe(1);
    expect(emitter.off('x', f)).toBe(emitter);
    expect(emitter.listenerCount('x')).toBe(0);
    expect(emitter.emit('x')).toBe(false);
    expect(emitter.eventNames()).toEqual([]);
  });

  it('removeAllListeners(event) and removeAllListeners()', () => {
    const emitter = new EventEmitter();
    emitter.on('a', () => {});
    emitter.on('a', () => {});
    emitter.on('b', () => {});
    emitter.removeAllListeners('a');
    expect([emitter.listenerCount('a'), emitter.listenerCount('b')]).toEqual([0, 1]);
    emitter.removeAllListeners();
    expect(emitter.eventNames()).toEqual([]);
    expect(new EventEmitter().removeAllListeners()).toBeInstanceOf(EventEmitter);
  });
});

describe('EventEmitter: listenerCount, listeners, max listeners', () => {
  it('listenerCount and listeners follow additions and removals, in order', () => {
    const emitter = new EventEmitter();
    const a = () => {};
    const b = () => {};
    expect(emitter.listenerCount('x')).toBe(0);
    expect(emitter.listeners('x')).toEqual([]);
    emitter.on('x', a);
    emitter.once('x', b);
    emitter.prependListener('x', b);
    expect(emitter.listenerCount('x')).toBe(3);
    expect(emitter.listeners('x')).toEqual([b, a, b]);
    emitter.emit('x');
    expect(emitter.listeners('x')).toEqual([b, a]);
  });

  it('listeners() is a copy: changing it does not change the emitter', () => {
    const emitter = new EventEmitter();
    emitter.on('x', () => {});
    emitter.listeners('x').length = 0;
    expect(emitter.listenerCount('x')).toBe(1);
  });

  it('setMaxListeners (MQTT.js calls stream.setMaxListeners(1000)) returns the emitter and warns about nothing', () => {
    const emitter = new EventEmitter();
    expect(emitter.setMaxListeners(1000)).toBe(emitter);
    for (let i = 0; i < 50; i++) emitter.on('x', () => {});
    expect(emitter.listenerCount('x')).toBe(50);
    expect(typeof emitter.getMaxListeners()).toBe('number');
  });
});

describe("EventEmitter: 'error'", () => {
  it('with no listener throws the error itself', () => {
    const emitter = new EventEmitter();
    const error = new Error('boom');
    let thrown: unknown;
    try {
      emitter.emit('error', error);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(error);
  });

  it('with no listener and a non-Error value throws an Error', () => {
    expect(() => new EventEmitter().emit('error', 'text')).toThrow(Error);
    expect(() => new EventEmitter().emit('error')).toThrow(Error);
  });

  it('with a listener goes to it, and throws again once that listener is gone', () => {
    const emitter = new EventEmitter();
    const seen: unknown[] = [];
    const error = new Error('x');
    emitter.once('error', (e: unknown) => seen.push(e));
    expect(emitter.emit('error', error)).toBe(true);
    expect(seen).toEqual([error]);
    expect(() => emitter.emit('error', error)).toThrow(error);
  });
});

describe('EventEmitter mixed into another class (MQTT.js applyMixin, TypedEmitter.js)', () => {
  class TypedEventEmitter {}
  applyMixin(TypedEventEmitter, EventEmitter);
  class Client extends TypedEventEmitter {
    readonly name: string;
    constructor(name: string) {
      super();
      this.name = name;
      // MqttClient's constructor registers listeners on itself before anything else.
      (this as unknown as Emitter).on('connect', () => {});
    }
  }
  const asEmitter = (client: Client) => client as unknown as Emitter & EventEmitter;

  it('every method works without the EventEmitter constructor having run', () => {
    const client = asEmitter(new Client('c'));
    const log: unknown[] = [];
    const f = (v: unknown) => log.push(['f', v]);
    client.on('message', f);
    client.once('message', (v: unknown) => log.push(['once', v]));
    client.prependListener('message', (v: unknown) => log.push(['first', v]));
    expect(client.listenerCount('message')).toBe(3);
    expect(client.emit('message', 1)).toBe(true);
    client.removeListener('message', f);
    client.emit('message', 2);
    expect(log).toEqual([['first', 1], ['f', 1], ['once', 1], ['first', 2]]);
    expect(client.eventNames()).toEqual(['connect', 'message']);
    expect(client.setMaxListeners(5)).toBe(client);
    expect(() => client.emit('error', new Error('unhandled'))).toThrow('unhandled');
    client.removeAllListeners();
    expect(client.listenerCount('connect')).toBe(0);
  });

  it('two instances keep their own listeners', () => {
    const a = asEmitter(new Client('a'));
    const b = asEmitter(new Client('b'));
    const got: string[] = [];
    a.on('x', () => got.push('a'));
    b.on('x', () => got.push('b'));
    b.emit('x');
    expect(got).toEqual(['b']);
    expect(a.listenerCount('x')).toBe(1);
    expect(a.listenerCount('connect')).toBe(1);
  });

  it('copies methods only: static members stay on the stand-in class', () => {
    expect(Object.getOwnPropertyNames(TypedEventEmitter.prototype)).toContain('emit');
    expect(Object.getOwnPropertyNames(TypedEventEmitter.prototype)).not.toContain('defaultMaxListeners');
    expect(typeof asEmitter(new Client('c')).getMaxListeners()).toBe('number');
  });

  it("no name the stand-in puts on MqttClient's prototype is one of MqttClient's own methods or fields", () => {
    // An instance field or method of MqttClient with the name of one of the emitter's helpers would
    // shadow it. MqttClient here is the real one (over Node's events), constructed without connecting.
    const MqttClient = createRequire(import.meta.url)('mqtt/lib/client').default as new (builder: () => never, options: object) => object;
    const client = new MqttClient(() => {
      throw new Error('not connecting');
    }, { manualConnect: true });
    const nodeOnly = new Set(['_events', '_eventsCount', '_maxListeners']);
    const clientNames = new Set([...Object.getOwnPropertyNames(MqttClient.prototype), ...Object.getOwnPropertyNames(client)].filter((n) => !nodeOnly.has(n)));
    const mixed = Object.getOwnPropertyNames(EventEmitter.prototype).filter((n) => n !== 'constructor');
    expect(mixed.filter((n) => clientNames.has(n))).toEqual([]);
  });
});

describe('the events module as MQTT.js and mqtt-packet require it', () => {
  const required = asRequired(eventsModule) as typeof eventsModule & { __esModule?: boolean };

  it('TypedEmitter.js: __importDefault(require("events")).default is the class (the module says __esModule)', () => {
    const importDefault = (m: { __esModule?: boolean }) => (m && m.__esModule ? m : { default: m });
    expect(required.__esModule).toBe(true);
    expect((importDefault(required) as { default: unknown }).default).toBe(EventEmitter);
  });

  it('mqtt-packet: const { EventEmitter } = require("events") is the class, and subclasses work', () => {
    const { EventEmitter: Named } = required;
    class Parser extends Named {
      settings = {};
    }
    const parser = new Parser();
    const got: unknown[] = [];
    parser.on('packet', (p: unknown) => got.push(p));
    parser.emit('packet', { cmd: 'puback' });
    expect(got).toEqual([{ cmd: 'puback' }]);
  });
});
