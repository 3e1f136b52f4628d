/**
 * mqtt-packet's own source files (node_modules/mqtt-packet/*.js), evaluated as CommonJS with a `require`
 * that hands them the stand-ins in place of the Node libraries they ask for, as the lean browser build's
 * rollup resolution does: `buffer` → engine/buffer, `bl` → engine/buffer-list, `events` →
 * engine/event-emitter, `debug` → engine/debug, `process-nextick-args` → engine/next-tick. The free
 * names `Buffer` and `process` are bound as in a page: no Buffer (a file that used Node's global one
 * fails here, as it would there), and `process` only where the build injects one. Any other require
 * throws, so nothing of Node's can slip in unseen.
 *
 * This is done by hand because vi.mock cannot do it: Vitest's docs (vitest.dev/api/vi, vi.mock) say it
 * "works only for modules that were imported with the import keyword. It doesn't work with require",
 * and mqtt-packet's files are CommonJS that `require` their dependencies. loadCommonJs is also how
 * lru-cache.test.ts runs MQTT.js's own topic-alias-send.js over the LRUCache stand-in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as bufferStandIn from '../../src/engine/buffer';
import * as bufferListStandIn from '../../src/engine/buffer-list';
import * as debugStandIn from '../../src/engine/debug';
import * as eventsStandIn from '../../src/engine/event-emitter';
import * as nextTickStandIn from '../../src/engine/next-tick';

const nodeRequire = createRequire(import.meta.url);
const packageDir = dirname(nodeRequire.resolve('mqtt-packet/package.json'));

/**
 * What `require(name)` of a stand-in gives a CommonJS file in the lean build, whose commonjs plugin is
 * set (rollup.config.mjs) to `requireReturnsDefault: true` for buffer-list.ts and `'auto'` for the
 * others: `true` gives the default export; `'auto'` gives it when it is the module's only export, and
 * otherwise the namespace as it is (no `__esModule` marker added).
 */
export function asRequired(namespace: Record<string, unknown>, returnsDefault: true | 'auto' = 'auto'): unknown {
  if (returnsDefault === true) return namespace['default'];
  const keys = Object.keys(namespace);
  return keys.length === 1 && keys[0] === 'default' ? namespace['default'] : namespace;
}

const standIns: Record<string, unknown> = {
  buffer: asRequired(bufferStandIn),
  bl: asRequired(bufferListStandIn, true),
  events: asRequired(eventsStandIn),
  debug: asRequired(debugStandIn),
  'process-nextick-args': asRequired(nextTickStandIn),
};

export interface MqttPacketModule {
  parser(options?: object): {
    on(event: 'packet' | 'error', fn: (value: any) => void): unknown;
    parse(bytes: Uint8Array): number;
  };
  generate(packet: object, options?: object): Uint8Array;
  writeToStream(packet: object, stream: { write(chunk: unknown): boolean }, options?: object): boolean;
}

/** Every file evaluated by loadCommonJs, by path, with the names it required (for the tests to check). */
export const requiredBy = new Map<string, string[]>();

/**
 * Evaluates the CommonJS file `entry` and the files it requires by relative path, giving bare requires
 * from `bare` only (any other throws). `Buffer` is unbound; `process` is `globals.process` (the build
 * prepends `var process = require(next-tick.ts)` to MQTT.js's own files, not to mqtt-packet's).
 */
export function loadCommonJs(entry: string, bare: Record<string, unknown>, globals: { process?: unknown } = {}): unknown {
  const cache = new Map<string, { exports: unknown }>();
  const load = (file: string): unknown => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    cache.set(file, module);
    const source = readFileSync(file, 'utf8');
    const required: string[] = [];
    requiredBy.set(file, required);
    const localRequire = (name: string): unknown => {
      required.push(name);
      if (name.startsWith('./') || name.startsWith('../')) return load(join(dirname(file), name.endsWith('.js') ? name : `${name}.js`));
      if (Object.prototype.hasOwnProperty.call(bare, name)) return bare[name];
      throw new Error(`${file} requires ${name}, which has no stand-in`);
    };
    // The globals live in an enclosing scope, so a file's own `const { Buffer } = require('buffer')` may shadow them.
    const wrap = new Function('Buffer', 'process', `return function (exports, require, module, __filename, __dirname) {\n${source}\n}`);
    const run = wrap(undefined, globals.process) as (...args: unknown[]) => void;
    run(module.exports, localRequire, module, file, dirname(file));
    return module.exports;
  };
  return load(entry);
}

/** What the build's `var process = require(next-tick.ts)` gives MQTT.js's own files. */
export const injectedProcess = asRequired(nextTickStandIn);

/** A fresh copy of mqtt-packet (its `mqtt.js` entry) built over the stand-ins. */
export function loadMqttPacketOverStandIns(): MqttPacketModule {
  return loadCommonJs(join(packageDir, 'mqtt.js'), standIns) as MqttPacketModule;
}

/** What mqtt-packet's files required besides each other (should be exactly the stand-ins' names). */
export function mqttPacketExternals(): Set<string> {
  const names = [...requiredBy].filter(([file]) => file.startsWith(packageDir)).flatMap(([, required]) => required);
  return new Set(names.filter((name) => !name.startsWith('.')));
}

/**
 * A parsed or generated packet as plain data, so packets from two copies of mqtt-packet (two `Packet`
 * classes, two `Buffer` classes) compare with toEqual: byte arrays become `{ bytes: [...] }`.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = plain((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Sample packets of every type mqtt-packet handles, for MQTT 3.1.1 and 5 (with properties). */
export function samplePackets(makeBytes: (bytes: number[]) => Uint8Array): Array<{ name: string; packet: object; opts: { protocolVersion: number } }> {
  const v4 = { protocolVersion: 4 };
  const v5 = { protocolVersion: 5 };
  const big = makeBytes(Array.from({ length: 20_000 }, (_, i) => (i * 31) & 0xff));
  return [
    {
      name: 'connect v4 with will, username, password',
      opts: v4,
      packet: {
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'client-é-😀',
        username: 'user', password: makeBytes([1, 2, 3, 250]),
        will: { topic: 'status/😀', payload: makeBytes([0, 255]), qos: 1, retain: true },
      },
    },
    {
      name: 'connect v5 with properties and will properties',
      opts: v5,
      packet: {
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, keepalive: 65535, clientId: 'c5',
        properties: {
          sessionExpiryInterval: 0xffffffff, receiveMaximum: 20, maximumPacketSize: 1 << 20, topicAliasMaximum: 10,
          requestResponseInformation: true, requestProblemInformation: false,
          userProperties: { a: 'b', multi: ['x', 'y'] }, authenticationMethod: 'JWT', authenticationData: makeBytes([9, 8, 7]),
        },
        will: {
          topic: 'w', payload: makeBytes([5]), qos: 2, retain: false,
          properties: { willDelayInterval: 5, payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'text/plain', responseTopic: 'r', correlationData: makeBytes([1]) },
        },
      },
    },
    { name: 'connack v4', opts: v4, packet: { cmd: 'connack', returnCode: 0, sessionPresent: true } },
    {
      name: 'connack v5 with properties',
      opts: v5,
      packet: {
        cmd: 'connack', reasonCode: 0, sessionPresent: false,
        properties: {
          sessionExpiryInterval: 100, receiveMaximum: 5, maximumQoS: 1, retainAvailable: true, maximumPacketSize: 4096,
          assignedClientIdentifier: 'assigned', topicAliasMaximum: 3, reasonString: 'ok', userProperties: { k: 'v' },
          wildcardSubscriptionAvailable: true, subscriptionIdentifiersAvailable: true, sharedSubscriptionAvailable: false,
          serverKeepAlive: 60, responseInformation: 'resp', serverReference: 'srv', authenticationMethod: 'm', authenticationData: makeBytes([3]),
        },
      },
    },
    { name: 'publish qos 0', opts: v4, packet: { cmd: 'publish', topic: 'a/b', payload: makeBytes([104, 105]), qos: 0, retain: false, dup: false } },
    { name: 'publish qos 1 empty payload', opts: v4, packet: { cmd: 'publish', topic: 'a', payload: makeBytes([]), qos: 1, messageId: 1, retain: true, dup: true } },
    { name: 'publish qos 2, 20 kB payload', opts: v4, packet: { cmd: 'publish', topic: 'big/😀', payload: big, qos: 2, messageId: 65535, retain: false, dup: false } },
    {
      name: 'publish v5 with properties',
      opts: v5,
      packet: {
        cmd: 'publish', topic: 'x/y', payload: makeBytes([1, 2, 3]), qos: 1, messageId: 300, retain: false, dup: false,
        properties: {
          payloadFormatIndicator: true, messageExpiryInterval: 3600, topicAlias: 2, responseTopic: 'reply/to',
          correlationData: makeBytes([0xde, 0xad, 0xbe, 0xef]), userProperties: { trace: 'abc', many: ['1', '2', '3'] },
          subscriptionIdentifier: 268_435_455, contentType: 'application/json',
        },
      },
    },
    { name: 'puback v4', opts: v4, packet: { cmd: 'puback', messageId: 42 } },
    { name: 'pubrec v5 with reason', opts: v5, packet: { cmd: 'pubrec', messageId: 43, reasonCode: 16, properties: { reasonString: 'no subscribers', userProperties: { a: 'b' } } } },
    { name: 'pubrel v4', opts: v4, packet: { cmd: 'pubrel', messageId: 44 } },
    { name: 'pubcomp v5', opts: v5, packet: { cmd: 'pubcomp', messageId: 45, reasonCode: 0 } },
    {
      name: 'subscribe v4',
      opts: v4,
      packet: { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a/+', qos: 0 }, { topic: 'b/#', qos: 2 }] },
    },
    {
      name: 'subscribe v5 with options and subscription identifier',
      opts: v5,
      packet: {
        cmd: 'subscribe', messageId: 8,
        subscriptions: [{ topic: '$share/g/t', qos: 1, nl: false, rap: true, rh: 2 }, { topic: 'u', qos: 0, nl: true, rap: false, rh: 0 }],
        properties: { subscriptionIdentifier: 1234, userProperties: { s: 't' } },
      },
    },
    { name: 'suback v4', opts: v4, packet: { cmd: 'suback', messageId: 7, granted: [0, 1, 2, 128] } },
    { name: 'suback v5', opts: v5, packet: { cmd: 'suback', messageId: 8, granted: [1, 0x87], properties: { reasonString: 'partly' } } },
    { name: 'unsubscribe v4', opts: v4, packet: { cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['a/+', 'é/😀'] } },
    { name: 'unsuback v4', opts: v4, packet: { cmd: 'unsuback', messageId: 9 } },
    { name: 'unsuback v5', opts: v5, packet: { cmd: 'unsuback', messageId: 10, granted: [0, 17], properties: { reasonString: 'gone' } } },
    { name: 'pingreq', opts: v4, packet: { cmd: 'pingreq' } },
    { name: 'pingresp', opts: v4, packet: { cmd: 'pingresp' } },
    { name: 'disconnect v4', opts: v4, packet: { cmd: 'disconnect' } },
    {
      name: 'disconnect v5 with properties',
      opts: v5,
      packet: { cmd: 'disconnect', reasonCode: 0x8e, properties: { sessionExpiryInterval: 1, reasonString: 'taken over', serverReference: 'other' } },
    },
    {
      name: 'auth v5',
      opts: v5,
      packet: { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: makeBytes([1, 2]), reasonString: 'more' } },
    },
  ];
}
