import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The stand-in table the lean browser build resolves MQTT.js's dependencies with.
import { MODULE_STAND_INS, STAND_INS } from '../../../rollup.config.mjs';

/**
 * The lean browser build (rollup.config.mjs, src/engine/) bundles MQTT.js's own CommonJS modules from
 * `mqtt/build/lib/` with browser stand-ins for the Node libraries they require. It is proven (unit tests of
 * each stand-in, every e2e spec) on one MQTT.js minor version; these tests fail, saying what to do, when an
 * update changes the modules, their dependencies or the internals the SDK touches.
 */
const require = createRequire(import.meta.url);
const PROVEN_ON = '5.16';
const mqttDir = dirname(require.resolve('mqtt/package.json'));
const mqttVersion = (JSON.parse(readFileSync(join(mqttDir, 'package.json'), 'utf8')) as { version: string }).version;
const AFTER_AN_UPDATE =
  `The lean browser build is proven on MQTT.js ${PROVEN_ON}.x (installed: ${mqttVersion}). After updating MQTT.js, check the ` +
  'stand-ins in packages/client/src/engine/ against what its modules now use, update STAND_INS in rollup.config.mjs, run every ' +
  'e2e spec on the new build, then update this test.';

/** Every `require('…')` in a CommonJS file. */
function requires(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
}

/**
 * The modules the lean build bundles, walked from MQTT.js's client as rollup does: relative requires are
 * followed (within MQTT.js and mqtt-packet), bare ones are reported, except mqtt-packet, which is followed.
 */
function walk(): { files: string[]; bare: string[]; replaced: Record<string, string[]> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const replaced: Record<string, string[]> = {};
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const standIn = Object.keys(MODULE_STAND_INS).find((path) => file.endsWith(`/mqtt/build/lib/${path}`));
    if (standIn) {
      // Replaced by the build: what it requires is not bundled (recorded, so a change to it is seen).
      replaced[standIn] = requires(file).sort();
      return;
    }
    for (const spec of requires(file)) {
      if (spec.startsWith('.')) {
        if (spec.endsWith('package.json')) continue;
        visit(createRequire(file).resolve(spec));
      } else if (spec === 'mqtt-packet') {
        // The build bundles mqtt-packet's parser and writeToStream (src/engine/mqtt-packet-entry.cjs), not its entry.
        for (const part of ['mqtt-packet/parser', 'mqtt-packet/writeToStream']) visit(createRequire(file).resolve(part));
      }
      else bare.add(spec);
    }
  };
  visit(join(mqttDir, 'build/lib/client.js'));
  const rel = (f: string) => f.replace(/.*node_modules\//, '');
  return { files: [...files].map(rel).sort(), bare: [...bare].sort(), replaced };
}

describe('the MQTT.js the lean browser build is made from', () => {
  it(`is MQTT.js ${PROVEN_ON}.x`, () => {
    expect(mqttVersion.startsWith(`${PROVEN_ON}.`), AFTER_AN_UPDATE).toBe(true);
  });

  it('requires from its client exactly the Node libraries that have a stand-in', () => {
    const { bare } = walk();
    expect(bare, AFTER_AN_UPDATE).toEqual(Object.keys(STAND_INS).sort());
  });

  it('the modules the build replaces (is-browser, get-timer) require what their stand-ins were written against', () => {
    const expected = Object.fromEntries(Object.entries(MODULE_STAND_INS).map(([path, { requires: r }]) => [path, [...r].sort()]));
    expect(walk().replaced, AFTER_AN_UPDATE).toEqual(expected);
  });

  it('is made of the same modules (a new or removed module means the build must be looked at again)', () => {
    expect(walk().files, AFTER_AN_UPDATE).toEqual([
      'mqtt-packet/constants.js',
      'mqtt-packet/numbers.js',
      'mqtt-packet/packet.js',
      'mqtt-packet/parser.js',
      'mqtt-packet/writeToStream.js',
      'mqtt/build/lib/KeepaliveManager.js',
      'mqtt/build/lib/TypedEmitter.js',
      'mqtt/build/lib/client.js',
      'mqtt/build/lib/default-message-id-provider.js',
      'mqtt/build/lib/get-timer.js',
      'mqtt/build/lib/handlers/ack.js',
      'mqtt/build/lib/handlers/auth.js',
      'mqtt/build/lib/handlers/connack.js',
      'mqtt/build/lib/handlers/index.js',
      'mqtt/build/lib/handlers/publish.js',
      'mqtt/build/lib/handlers/pubrel.js',
      'mqtt/build/lib/is-browser.js',
      'mqtt/build/lib/number-allocator.js',
      'mqtt/build/lib/shared.js',
      'mqtt/build/lib/store.js',
      'mqtt/build/lib/topic-alias-recv.js',
      'mqtt/build/lib/topic-alias-send.js',
      'mqtt/build/lib/validations.js',
    ]);
  });

  it('still has the internals the SDK and the stand-ins rely on', () => {
    const src = (file: string) => readFileSync(join(mqttDir, 'build/lib', file), 'utf8');
    const client = src('client.js');
    // connection.ts sends DISCONNECT and PINGREQ through _sendPacket; the stream contract of ws-duplex.ts.
    for (const internal of ['_sendPacket(packet, cb, cbStorePut, noStore)', 'this.stream.pipe(writable)', "this.stream.once('drain', cb)", 'this.stream.setMaxListeners(', 'this.stream.destroy()', 'this.stream.end(', 'this.streamBuilder(this)']) {
      expect(client.includes(internal), `client.js no longer has \`${internal}\`. ${AFTER_AN_UPDATE}`).toBe(true);
    }
    // keepalive-timer.ts hands MQTT.js a { set, clear } object as timerVariant.
    expect(src('KeepaliveManager.js'), AFTER_AN_UPDATE).toMatch(/'set' in variant &&\s*'clear' in variant/);
    // The stand-ins: readable-stream's Writable/Readable only, the store's object-mode stream read with read().
    expect(client.match(/readable_stream_1\.(\w+)/g), AFTER_AN_UPDATE).toEqual(['readable_stream_1.Writable']);
    expect(src('store.js').match(/readable_stream_1\.(\w+)/g), AFTER_AN_UPDATE).toEqual(['readable_stream_1.Readable']);
    expect(client.includes('outStore.read(1)'), AFTER_AN_UPDATE).toBe(true);
    // mqtt-packet: MQTT.js uses its parser and writeToStream only (the build leaves generate() out).
    expect([...new Set(client.match(/mqtt_packet_1\.default\.(\w+)/g))].sort(), AFTER_AN_UPDATE).toEqual(['mqtt_packet_1.default.parser', 'mqtt_packet_1.default.writeToStream']);
    // The `process` the build injects: MQTT.js reads process.nextTick only.
    expect(src('shared.js'), AFTER_AN_UPDATE).toMatch(/typeof process\?\.nextTick === 'function'/);
  });
});
