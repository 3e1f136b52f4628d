import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as streamsModule from '../../src/engine/streams';
import { Readable, Writable } from '../../src/engine/streams';
import { asRequired } from './mqtt-packet-over-stand-ins';

type Done = (error?: Error | null) => void;
type WriteFn = (chunk: unknown, encoding: string, done: Done) => void;

/** The real readable-stream (what MQTT.js uses under Node), as the reference for the store's stream. */
const real = createRequire(import.meta.url)('readable-stream') as { Readable: new (options: object) => StoreStream };

/** Lets every queued microtask and due timer run. */
const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

/** A Writable with `_write` assigned on the instance, as MQTT.js's client.connect() does. */
function writableWith(write: WriteFn): Writable {
  const writable = new Writable();
  writable._write = write;
  return writable;
}

describe('the readable-stream module as client.js and store.js require it', () => {
  it('require("readable-stream").Writable and .Readable are the stand-ins', () => {
    const required = asRequired(streamsModule) as typeof streamsModule;
    expect(required.Writable).toBe(Writable);
    expect(required.Readable).toBe(Readable);
  });
});

describe('Writable: one _write at a time', () => {
  it('the second chunk waits until the first one’s done is called, even when done is called later', async () => {
    const started: unknown[] = [];
    const dones: Done[] = [];
    const writable = writableWith((chunk, _enc, done) => {
      started.push(chunk);
      dones.push(done);
    });
    expect(writable.write('a')).toBe(true);
    expect(writable.write('b')).toBe(true);
    writable.write('c');
    expect(started).toEqual(['a']);
    await settle();
    expect(started).toEqual(['a']);
    // done from a later task, as the parser sink does once its packet handlers have run
    await new Promise<void>((resolve) => setTimeout(() => (dones[0]!(), resolve()), 1));
    expect(started).toEqual(['a', 'b']);
    await Promise.resolve().then(() => dones[1]!());
    expect(started).toEqual(['a', 'b', 'c']);
    dones[2]!();
    writable.write('d');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a write made from inside _write is queued behind the current chunk, not run inside it', () => {
    const log: string[] = [];
    let first = true;
    const writable = writableWith((chunk, _enc, done) => {
      log.push(`start ${String(chunk)}`);
      if (first) {
        first = false;
        writable.write('inner');
      }
      log.push(`end ${String(chunk)}`);
      done();
    });
    writable.write('outer');
    expect(log).toEqual(['start outer', 'end outer', 'start inner', 'end inner']);
  });

  it('the MQTT.js parser-sink pattern: packets of one chunk are all handled before the next chunk is parsed', async () => {
    const log: string[] = [];
    const packets: string[] = [];
    let completeParse: Done | null = null;
    const work = (): void => {
      const packet = packets.shift();
      if (packet) {
        log.push(`handle ${packet}`);
        // handlers call back on a later tick (store callbacks, nextTick)
        queueMicrotask(() => (packets.length ? queueMicrotask(work) : finish()));
      } else finish();
    };
    const finish = (): void => {
      const done = completeParse;
      completeParse = null;
      done?.();
    };
    const writable = writableWith((chunk, _enc, done) => {
      completeParse = done;
      log.push(`parse ${String(chunk)}`);
      packets.push(...String(chunk).split(','));
      work();
    });
    writable.write('a1,a2,a3');
    writable.write('b1');
    writable.write('c1,c2');
    await settle();
    expect(log).toEqual(['parse a1,a2,a3', 'handle a1', 'handle a2', 'handle a3', 'parse b1', 'handle b1', 'parse c1,c2', 'handle c1', 'handle c2']);
  });
});

describe('Writable: synchronous done', () => {
  it('10,000 chunks with a synchronous done: all written in order, no stack overflow', () => {
    const seen: number[] = [];
    let release: Done | undefined;
    const writable = writableWith((chunk, _enc, done) => {
      seen.push(chunk as number);
      if (chunk === -1) release = done;
      else done();
    });
    // Hold the first chunk, queue the rest behind it, then let them all go from one done call.
    writable.write(-1);
    for (let i = 0; i < 10_000; i++) writable.write(i);
    expect(seen).toEqual([-1]);
    release!();
    expect(seen.length).toBe(10_001);
    expect(seen.every((value, i) => i === 0 || value === i - 1)).toBe(true);
    // and written straight through, one after another, when nothing is held
    for (let i = 0; i < 10_000; i++) writable.write(i);
    expect(seen.length).toBe(20_001);
  });

  // Performance, with a wide margin: a queue that is drained in linear time takes tens of ms here. The
  // backlog is one chunk per WebSocket message that arrives while a previous chunk's packets are handled.
  it('100,000 queued chunks drain in linear time (under 2.5 s)', { timeout: 60_000 }, () => {
    let count = 0;
    let release: Done | undefined;
    const writable = writableWith((chunk, _enc, done) => {
      count++;
      if (chunk === -1) release = done;
      else done();
    });
    writable.write(-1);
    for (let i = 0; i < 100_000; i++) writable.write(i);
    const started = performance.now();
    release!();
    const elapsed = performance.now() - started;
    expect(count).toBe(100_001);
    expect(elapsed).toBeLessThan(2500);
  });

  it('does not recurse: every queued chunk’s _write runs at the same stack depth', () => {
    const depths: number[] = [];
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      let release: Done | undefined;
      const writable = writableWith((chunk, _enc, done) => {
        depths.push(new Error().stack!.split('\n').length);
        if (chunk === 0) release = done;
        else done();
      });
      for (let i = 0; i < 50; i++) writable.write(i);
      release!();
      for (let i = 50; i < 60; i++) writable.write(i);
    } finally {
      Error.stackTraceLimit = limit;
    }
    expect(depths).toHaveLength(60);
    const queued = depths.slice(1, 50);
    expect(new Set(queued).size).toBe(1);
    expect(new Set(depths.slice(50)).size).toBe(1);
  });

  it('done called twice is ignored: the next chunk is written once', () => {
    const started: unknown[] = [];
    let held: Done | undefined;
    const writable = writableWith((chunk, _enc, done) => {
      started.push(chunk);
      if (chunk === 'a') held = done;
      else done();
    });
    writable.write('a');
    writable.write('b');
    held!();
    held!();
    writable.write('c');
    expect(started).toEqual(['a', 'b', 'c']);
  });
});

describe('Writable: callbacks, errors, destroy', () => {
  it('each write’s callback runs once, in order, without an error, when its done runs', async () => {
    const log: unknown[] = [];
    const dones: Done[] = [];
    const writable = writableWith((_chunk, _enc, done) => dones.push(done));
    writable.write('a', (error) => log.push(['a', error ?? null]));
    writable.write('b', 'buffer', (error) => log.push(['b', error ?? null]));
    expect(log).toEqual([]);
    dones[0]!();
    await settle();
    expect(log).toEqual([['a', null]]);
    dones[1]!();
    await settle();
    expect(log).toEqual([['a', null], ['b', null]]);
  });

  it('an error from done: its callback gets it, the stream is destroyed, then one "error" and one "close", and queued chunks are dropped', async () => {
    const events: unknown[] = [];
    const started: unknown[] = [];
    const failure = new Error('bad packet');
    const dones: Done[] = [];
    const writable = writableWith((chunk, _enc, done) => {
      started.push(chunk);
      dones.push(done);
    });
    writable.on('error', (error: Error) => events.push(['error', error]));
    writable.on('close', () => events.push('close'));
    writable.write('a', (error) => events.push(['cb a', error]));
    writable.write('b', (error) => events.push(['cb b', error ?? null]));
    dones[0]!(failure);
    expect(writable.destroyed).toBe(true);
    await settle();
    expect(started).toEqual(['a']);
    expect(events.filter((e) => e === 'close')).toHaveLength(1);
    expect(events.filter((e) => Array.isArray(e) && e[0] === 'error')).toEqual([['error', failure]]);
    expect(events.indexOf('close')).toBeGreaterThan(events.findIndex((e) => Array.isArray(e) && e[0] === 'error'));
    expect(events).toContainEqual(['cb a', failure]);
    // A late done from the failed chunk and a later destroy change nothing.
    dones[0]!();
    writable.destroy(new Error('again'));
    await settle();
    expect(events.filter((e) => e === 'close')).toHaveLength(1);
    expect(events.filter((e) => Array.isArray(e) && e[0] === 'error')).toHaveLength(1);
  });

  it('"error" and "close" come on a later tick, not inside done', () => {
    const events: string[] = [];
    const writable = writableWith((_c, _e, done) => done(new Error('x')));
    writable.on('error', () => events.push('error'));
    writable.on('close', () => events.push('close'));
    writable.write('a');
    expect(events).toEqual([]);
    return settle().then(() => expect(events).toEqual(['error', 'close']));
  });

  it('write after destroy returns false and its callback gets an error; nothing reaches _write', async () => {
    const started: unknown[] = [];
    const writable = writableWith((chunk, _e, done) => (started.push(chunk), done()));
    writable.on('close', () => {});
    writable.destroy();
    let got: unknown;
    expect(writable.write('late', (error) => (got = error))).toBe(false);
    await settle();
    expect(got).toBeInstanceOf(Error);
    expect(started).toEqual([]);
  });

  it('destroy() without an error emits "close" only, once', async () => {
    const events: string[] = [];
    const writable = writableWith((_c, _e, done) => done());
    writable.on('error', () => events.push('error'));
    writable.on('close', () => events.push('close'));
    writable.destroy();
    writable.destroy();
    await settle();
    expect(events).toEqual(['close']);
  });
});

// ---- the outgoing store's stream ------------------------------------------------------------

interface StoreStream {
  _read(size?: number): void;
  push(value: unknown): boolean;
  read(size?: number): unknown;
  destroy(error?: Error): unknown;
  on(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * store.js's Store#createStream, replicated: an object-mode Readable whose `_read` pushes the next
 * in-flight packet synchronously (or null at the end), with `destroy` replaced by the store's own.
 */
function createStream(make: () => StoreStream, inflights: Map<number, object>): StoreStream {
  const stream = make();
  const values = [...inflights.values()];
  let destroyed = false;
  let i = 0;
  stream._read = () => {
    if (!destroyed && i < values.length) stream.push(values[i++]);
    else stream.push(null);
  };
  stream.destroy = () => {
    if (destroyed) return undefined;
    destroyed = true;
    setTimeout(() => stream.emit('close'), 0);
    return stream;
  };
  return stream;
}

type Ack = (next: () => void) => void;
const acks: Record<string, Ack> = {
  'acked synchronously': (next) => next(),
  'acked on a microtask': (next) => queueMicrotask(next),
  'acked on a timer': (next) => void setTimeout(next, 0),
};

/**
 * client.js's storeDeliver loop, replicated: read(1); null → wait for 'readable'; a packet → resend it
 * and read the next once it is acknowledged (`ack`). Returns the log: each packet's id, then 'end'.
 */
async function deliverAll(stream: StoreStream, ack: Ack): Promise<unknown[]> {
  const log: unknown[] = [];
  const storeDeliver = (): void => {
    const packet = stream.read(1) as { messageId: number } | null;
    if (!packet) {
      stream.once('readable', storeDeliver);
      return;
    }
    log.push(packet.messageId);
    ack(storeDeliver);
  };
  stream.on('end', () => log.push('end'));
  stream.on('error', (error: Error) => log.push(['error', error.message]));
  storeDeliver();
  // Until 'end' (or long enough to say it never came), then a few more rounds to catch a second one.
  for (let round = 0; round < 2000 && !log.includes('end'); round++) await settle(1);
  await settle(5);
  return log;
}

const inflights = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i + 1, { cmd: 'publish', messageId: i + 1, qos: 1 }] as const));
const standInStream = () => new Readable({ objectMode: true }) as unknown as StoreStream;
const realStream = () => new real.Readable({ objectMode: true });

describe('Readable as Store#createStream makes it, read by storeDeliver', () => {
  for (const [name, ack] of Object.entries(acks)) {
    for (const count of [0, 1, 5, 300]) {
      it(`${count} packets, ${name}: every packet read in order, then "end" exactly once (as readable-stream)`, async () => {
        const expected = [...Array.from({ length: count }, (_, i) => i + 1), 'end'];
        expect(await deliverAll(createStream(realStream, inflights(count)), ack)).toEqual(expected);
        expect(await deliverAll(createStream(standInStream, inflights(count)), ack)).toEqual(expected);
      });
    }
  }

  it('"end" comes on a later tick than the read that found the end', async () => {
    const stream = createStream(standInStream, inflights(1));
    const log: string[] = [];
    stream.on('end', () => log.push('end'));
    expect(stream.read(1)).toEqual({ cmd: 'publish', messageId: 1, qos: 1 });
    expect(stream.read(1)).toBeNull();
    log.push('read null');
    expect(stream.read(1)).toBeNull();
    await settle();
    expect(log).toEqual(['read null', 'end']);
  });

  it('the store’s own destroy replaces the stand-in’s: "close" once on a timer, no error, and _read then ends the stream', async () => {
    const stream = createStream(standInStream, inflights(3));
    const log: string[] = [];
    stream.on('close', () => log.push('close'));
    stream.on('error', () => log.push('error'));
    stream.on('end', () => log.push('end'));
    expect(stream.read(1)).toMatchObject({ messageId: 1 });
    stream.destroy();
    stream.destroy();
    expect(stream.read(1)).toBeNull();
    await settle();
    expect(log.filter((e) => e === 'close')).toHaveLength(1);
    expect(log).not.toContain('error');
  });

  it('a value pushed later (an asynchronous store) emits "readable" and is read then (as readable-stream)', async () => {
    for (const make of [standInStream, realStream]) {
      const stream = make();
      const values = [{ messageId: 1 }, { messageId: 2 }];
      let i = 0;
      stream._read = () => {
        setTimeout(() => stream.push(i < values.length ? values[i++] : null), 1);
      };
      expect(await deliverAll(stream, acks['acked on a timer']!)).toEqual([1, 2, 'end']);
    }
  });

  it('the stand-in’s own destroy(error): one "error", then one "close", on a later tick; no "end"', async () => {
    const stream = new Readable({ objectMode: true });
    const log: unknown[] = [];
    stream.on('error', (e: Error) => log.push(['error', e.message]));
    stream.on('close', () => log.push('close'));
    stream.on('end', () => log.push('end'));
    stream.push(null);
    stream.destroy(new Error('store failed'));
    stream.destroy(new Error('twice'));
    expect(log).toEqual([]);
    await settle();
    expect(log).toEqual([['error', 'store failed'], 'close']);
  });
});
