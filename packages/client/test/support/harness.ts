/** Builds a client wired to the fakes, and records what it reports. */
// The token refresh chunk (loaded with import() after a CONNACK with a token provider) is in the module cache before
// any test: its first load takes vitest longer than the few turns a test waits.
import '../../src/connection/token-refresh';
import { createClient, type WebMqttClient } from '../../src/client';
import type { WebMqttError } from '../../src/core/errors';
import type { StateChange, QueueChange, PacketTrace } from '../../src/core/events';
import type { Message } from '../../src/messaging/message';
import type { ClientOptions } from '../../src/core/options';
import { FakeBrowserSignals, ManualClock, fakeFactory, flush, seededRandom, type FakeMqtt } from './fake-mqtt';

export interface Harness {
  client: WebMqttClient;
  clock: ManualClock;
  signals: FakeBrowserSignals;
  /** The MQTT.js fake (throws until the client made one). */
  readonly fake: FakeMqtt;
  /** How many MQTT.js clients the factory made. */
  readonly factoryCalls: number;
  states: StateChange[];
  /** `current` of every state event, prefixed with 'idle'. */
  readonly stateNames: string[];
  errors: WebMqttError[];
  queueEvents: QueueChange[];
  connects: Array<{ sessionPresent: boolean }>;
  messages: Message[];
  packets: PacketTrace[];
  /** connect(), then CONNACK: resolves when the client is connected. */
  connectNow(connack?: Parameters<FakeMqtt['acceptConnack']>[0]): Promise<void>;
}

/** Defaults: wss URL, protocol 5, jitter 'none', fake clock, fake signals, seeded random. */
export function harness(overrides: Partial<ClientOptions> & { tracePackets?: boolean; socketsNeverOpen?: boolean } = {}): Harness {
  const clock = new ManualClock();
  const signals = new FakeBrowserSignals();
  const { tracePackets, socketsNeverOpen, ...rest } = overrides;
  const made = fakeFactory((fake) => {
    if (socketsNeverOpen) fake.socketsOpen = false;
  });
  const options: ClientOptions = {
    url: 'wss://broker.example.com:8085/mqtt',
    clientId: 'test-client',
    protocolVersion: 5,
    clock,
    random: seededRandom(7),
    mqttFactory: made.factory,
    browserSignals: signals,
    ...rest,
    reconnect: rest.reconnect === false ? false : { jitter: 'none', ...(rest.reconnect === true ? {} : rest.reconnect) },
  };
  const client = createClient(options);
  const states: StateChange[] = [];
  const errors: WebMqttError[] = [];
  const queueEvents: QueueChange[] = [];
  const connects: Array<{ sessionPresent: boolean }> = [];
  const messages: Message[] = [];
  const packets: PacketTrace[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  client.on('queue', (q) => queueEvents.push(q));
  client.on('connect', (c) => connects.push(c));
  client.on('message', (m) => messages.push(m));
  if (tracePackets) client.on('packet', (p) => packets.push(p));
  const h: Harness = {
    client,
    clock,
    signals,
    get fake() {
      return made.fake;
    },
    get factoryCalls() {
      return made.created.length;
    },
    states,
    get stateNames() {
      return ['idle', ...states.map((s) => s.current)];
    },
    errors,
    queueEvents,
    connects,
    messages,
    packets,
    async connectNow(connack) {
      const done = client.connect();
      await flush();
      made.fake.acceptConnack(connack);
      await done;
      await flush();
    },
  };
  return h;
}

/** Settles-or-not probe for a promise, without awaiting it forever. */
export function track<T>(promise: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value: T | undefined; readonly error: any } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: T | undefined;
  let error: any;
  promise.then(
    (v) => {
      state = 'resolved';
      value = v;
    },
    (e) => {
      state = 'rejected';
      error = e;
    },
  );
  return {
    get state() {
      return state;
    },
    get value() {
      return value;
    },
    get error() {
      return error;
    },
  };
}

/** A payload recorded by the fake, as text. */
export function text(payload: Uint8Array | string): string {
  return typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
}
