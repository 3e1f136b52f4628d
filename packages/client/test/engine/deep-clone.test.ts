import { Buffer as NodeBuffer } from 'node:buffer';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Buffer } from '../../src/engine/buffer';
import * as deepCloneModule from '../../src/engine/deep-clone';
import deepClone from '../../src/engine/deep-clone';
import { asRequired, plain } from './mqtt-packet-over-stand-ins';

// Seeded runs: FC_SEED=<seed printed by a failure> replays it.
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

/** `rfdc/default`, exactly what client.js requires for the copy it stores of a QoS 1/2 packet. */
const rfdc = createRequire(import.meta.url)('rfdc/default') as <T>(value: T) => T;

/** Every byte array in `value`, with the path to it. */
function byteArrays(value: unknown, path = '$'): Array<[string, Uint8Array]> {
  if (value instanceof Uint8Array) return [[path, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => byteArrays((value as Record<string, unknown>)[key], `${path}.${key}`));
}

/** Checks `clone` against `original`: same data as rfdc's copy, same classes, nothing shared. */
function expectIndependentCopy(original: unknown, clone: unknown): void {
  expect(plain(clone)).toEqual(plain(rfdc(original)));
  expect(plain(clone)).toEqual(plain(original));
  const before = byteArrays(original);
  const after = byteArrays(clone);
  expect(after.map(([path]) => path)).toEqual(before.map(([path]) => path));
  for (const [i, [path, bytes]] of after.entries()) {
    const source = before[i]![1];
    expect(Object.getPrototypeOf(bytes), path).toBe(Object.getPrototypeOf(source));
    expect(bytes.buffer === source.buffer && source.length > 0, `${path} shares memory with the original`).toBe(false);
  }
}

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
  // a view into a larger buffer, as a payload sliced out of a received message is
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 16 }), fc.nat({ max: 3 })).map(([b, at]) => new Uint8Array(b.buffer, at, b.length - at)),
);
const text = fc.string({ maxLength: 8 });
const userProperties = fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 });
const packetArb = fc.record(
  {
    cmd: fc.constantFrom('publish', 'pubrel', 'subscribe', 'unsubscribe'),
    topic: text,
    payload: bytesArb,
    qos: fc.constantFrom(0, 1, 2),
    messageId: fc.integer({ min: 1, max: 0xffff }),
    retain: fc.boolean(),
    dup: fc.boolean(),
    subscriptions: fc.array(fc.record({ topic: text, qos: fc.constantFrom(0, 1, 2), nl: fc.boolean(), rap: fc.boolean(), rh: fc.constantFrom(0, 1, 2) }), { maxLength: 3 }),
    properties: fc.record(
      {
        payloadFormatIndicator: fc.boolean(),
        messageExpiryInterval: fc.integer({ min: 0, max: 0xffffffff }),
        topicAlias: fc.integer({ min: 1, max: 10 }),
        responseTopic: text,
        correlationData: bytesArb,
        userProperties,
        subscriptionIdentifier: fc.oneof(fc.integer({ min: 1, max: 268_435_455 }), fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 3 })),
        contentType: fc.option(text, { nil: undefined }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['cmd'] },
);

describe('deepClone against rfdc on packet-shaped objects', () => {
  it('random packets: the same data as rfdc gives, byte arrays keep their class, nothing is shared', () => {
    fc.assert(
      fc.property(packetArb, (packet) => expectIndependentCopy(packet, deepClone(packet))),
      runs(1000),
    );
  });

  it('a publish with nested properties, userProperties with arrays and a Uint8Array payload', () => {
    const packet = {
      cmd: 'publish', topic: 'a/b', qos: 1, messageId: 7, retain: false, dup: false,
      payload: new Uint8Array([1, 2, 3]),
      properties: { userProperties: { trace: 'x', many: ['1', '2'] }, correlationData: new Uint8Array([9]), messageExpiryInterval: 60 },
    };
    const clone = deepClone(packet);
    expectIndependentCopy(packet, clone);
    expect(clone).not.toBe(packet);
    expect(clone.properties).not.toBe(packet.properties);
    expect(clone.properties.userProperties.many).not.toBe(packet.properties.userProperties.many);
    expect(clone.payload).toBeInstanceOf(Uint8Array);
  });

  it('a stand-in Buffer payload stays a stand-in Buffer', () => {
    const packet = { cmd: 'publish', topic: 't', payload: Buffer.from('héllo') };
    const clone = deepClone(packet);
    expect(clone.payload).toBeInstanceOf(Buffer);
    expect(Buffer.isBuffer(clone.payload)).toBe(true);
    expect(clone.payload.toString()).toBe('héllo');
    expectIndependentCopy(packet, clone);
  });

  it('mutating the clone does not touch the original', () => {
    const packet = {
      cmd: 'publish', topic: 't', payload: Buffer.from([1, 2, 3]), messageId: 1,
      properties: { userProperties: { k: ['a', 'b'] }, correlationData: new Uint8Array([5, 6]) },
    };
    const snapshot = plain(packet);
    const clone = deepClone(packet);
    clone.topic = 'changed';
    clone.payload[0] = 99;
    clone.properties.userProperties.k.push('c');
    clone.properties.userProperties.k[0] = 'z';
    clone.properties.correlationData[1] = 0;
    (clone.properties as Record<string, unknown>)['added'] = true;
    expect(plain(packet)).toEqual(snapshot);
  });

  it('client.js gets it as __importDefault(require("rfdc/default")).default', () => {
    const required = asRequired(deepCloneModule) as { __esModule?: boolean };
    const importDefault = (m: { __esModule?: boolean }) => (m && m.__esModule ? m : { default: m });
    expect((importDefault(required) as { default: unknown }).default).toBe(deepClone);
  });

  it('primitives, null, undefined values and Dates come through as rfdc copies them', () => {
    for (const value of [0, -1, 'x', true, null, undefined, NaN]) expect(deepClone(value)).toEqual(rfdc(value));
    const withUndefined = { a: undefined, b: null, c: [undefined, 1] };
    expect(deepClone(withUndefined)).toEqual(rfdc(withUndefined));
    expect(Object.keys(deepClone(withUndefined))).toEqual(Object.keys(rfdc(withUndefined)));
    const date = new Date(1_700_000_000_000);
    const clone = deepClone({ at: date });
    expect(clone.at).toBeInstanceOf(Date);
    expect(clone.at).not.toBe(date);
    expect(clone.at.getTime()).toBe(date.getTime());
  });

  // The SDK hands MQTT.js a user's Uint8Array as is, Buffers included (payload.ts). A Buffer whose
  // slice() is a view (Node's, or the `buffer` package that bundlers polyfill Buffer with in browsers)
  // is copied by rfdc, but deepClone's `.slice()` gives a view on the same memory: the stored copy
  // MQTT.js re-sends then changes when the caller reuses their buffer.
  const polyfill = (createRequire(import.meta.url)('buffer/') as { Buffer: typeof NodeBuffer }).Buffer;
  it.each([
    ['Node’s Buffer', NodeBuffer],
    ['the `buffer` package’s Buffer (browser polyfill)', polyfill],
  ] as const)('a payload that is %s (slice() is a view) is copied, not shared, and keeps its class', (_name, BufferClass) => {
    const payload = BufferClass.from([1, 2, 3]);
    expect(payload.slice().buffer).toBe(payload.buffer);
    const clone = deepClone({ payload });
    expect(Object.getPrototypeOf(clone.payload)).toBe(Object.getPrototypeOf(payload));
    expect(Object.getPrototypeOf(rfdc({ payload }).payload)).toBe(Object.getPrototypeOf(payload));
    payload[0] = 42;
    expect([...rfdc({ payload: BufferClass.from([1, 2, 3]) }).payload]).toEqual([1, 2, 3]);
    expect([...clone.payload]).toEqual([1, 2, 3]);
  });
});
