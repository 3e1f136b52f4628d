import { describe, expect, it } from 'vitest';
import { AttemptSocket, type SocketOwner } from '../src/connection/attempt-socket';
import { ProtocolFallback } from '../src/connection/protocol-fallback';
import { ErrorCode, type WebMqttError } from '../src/core/errors';
import { silentLogger } from '../src/core/logger';
import { normalizeOptions, type ClientOptions } from '../src/core/options';
import type { ConnectionState } from '../src/core/state-machine';
import { ManualClock, fakeFactory, flush } from './support/fake-mqtt';

const URL_ = 'wss://broker.example.com/mqtt';

/** An AttemptSocket on the fake MQTT.js, with what it told its owner. */
async function socket(overrides: Partial<ClientOptions> = {}) {
  const clock = new ManualClock();
  const made = fakeFactory();
  const opts = normalizeOptions({ url: URL_, clientId: 'sock', protocolVersion: 5, clock, connectTimeoutMs: 1_000, ...overrides });
  const told: string[] = [];
  const failures: WebMqttError[] = [];
  let state: ConnectionState = 'connecting';
  const owner: SocketOwner = {
    state: () => state,
    connack: () => told.push('connack'),
    failed: (error) => {
      failures.push(error);
      told.push(`failed ${error.code}`);
    },
    closed: () => told.push('closed'),
  };
  const hooks = { created: () => told.push('created'), socket: (event: 'open' | 'gone') => told.push(`socket ${event}`) };
  const s = new AttemptSocket(opts, clock, silentLogger, new ProtocolFallback(opts.protocolVersion), hooks, owner);
  await s.create(made.factory, URL_);
  return { s, made, clock, told, failures, setState: (next: ConnectionState) => (state = next) };
}

describe('AttemptSocket', () => {
  it('creates MQTT.js once, then connect() for the first socket and reconnect() with the same stores after', async () => {
    const t = await socket();
    expect(t.told).toEqual(['created']);
    t.s.open(URL_, undefined);
    t.made.fake.dropSocket();
    await flush();
    t.s.open(URL_, undefined);
    expect(t.made.created).toHaveLength(1);
    expect(t.made.fake.reconnectOpts).toEqual([{ incomingStore: t.made.fake.incomingStore, outgoingStore: t.made.fake.outgoingStore }]);
  });

  it('reports a closed socket once, and nothing for a socket it killed', async () => {
    const t = await socket();
    t.s.open(URL_, undefined);
    t.made.fake.dropSocket();
    await flush();
    expect(t.told.slice(1)).toEqual(['socket gone', 'closed']);
    t.told.length = 0;
    t.s.open(URL_, undefined);
    t.s.kill();
    await flush();
    expect(t.told).toEqual([]);
  });

  it('fails the attempt when no CONNACK comes within connectTimeoutMs, naming the URL without its credentials', async () => {
    const t = await socket({ url: 'wss://dev:hunter2@broker.example.com/mqtt', auth: { token: 'T0KEN-XYZ', placement: 'query' } });
    t.s.open('wss://dev:hunter2@broker.example.com/mqtt', 'T0KEN-XYZ');
    t.clock.advance(999);
    expect(t.failures).toEqual([]);
    t.clock.advance(1);
    expect(t.failures[0]?.code).toBe(ErrorCode.CONNECT_TIMEOUT);
    expect(t.failures[0]?.message).not.toMatch(/hunter2|T0KEN/);
    expect(t.s.where).not.toMatch(/hunter2|T0KEN/);
  });

  it('stops the CONNACK deadline at the CONNACK packet, before MQTT.js reports the connection', async () => {
    const t = await socket();
    t.s.open(URL_, undefined);
    t.made.fake.acceptConnack();
    expect(t.s.connackReceived).toBe(true);
    expect(t.told.at(-1)).toBe('connack');
    t.clock.advance(5_000);
    expect(t.failures).toEqual([]);
  });

  it('ends the attempt at once when the server sends anything but CONNACK first', async () => {
    const t = await socket();
    t.s.open(URL_, undefined);
    t.made.fake.emit('packetreceive', { cmd: 'publish' });
    expect(t.failures[0]?.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(t.told.slice(1)).toEqual(['socket gone', `failed ${ErrorCode.PROTOCOL_ERROR}`]);
  });

  it('keeps a refusal and the broker DISCONNECT for the connection to read, fresh for every socket', async () => {
    const t = await socket();
    t.s.open(URL_, undefined);
    t.made.fake.refuse(0x87);
    expect(t.s.error?.code).toBe(ErrorCode.AUTH_FAILED);
    await flush();
    t.s.open(URL_, undefined);
    expect(t.s.error).toBeUndefined();
    t.made.fake.acceptConnack();
    t.setState('connected');
    t.made.fake.serverDisconnect(0x8b, { reasonString: 'bye' });
    expect(t.s.goodbye).toEqual({ reasonCode: 0x8b, serverReference: undefined, reasonString: 'bye' });
  });

  it('pings through MQTT.js and counts every packet received', async () => {
    const t = await socket();
    t.s.open(URL_, undefined);
    t.made.fake.acceptConnack();
    const before = t.s.packetsIn;
    expect(t.s.ping()).toBe(true);
    expect(t.made.fake.sentPackets.at(-1)).toEqual({ cmd: 'pingreq' });
    t.made.fake.emit('packetreceive', { cmd: 'pingresp' });
    expect(t.s.packetsIn).toBe(before + 1);
  });
});
