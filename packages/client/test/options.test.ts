import { describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError, isWebMqttError } from '../src/core/errors';
import { normalizeOptions, randomClientId } from '../src/core/options';
import { createClient } from '../src/client';
import { FakeBrowserSignals, ManualClock, fakeFactory } from './support/fake-mqtt';

const URL_OK = 'wss://broker.example.com:8085/mqtt';

function optionError(input: unknown): WebMqttError {
  try {
    normalizeOptions(input);
  } catch (error) {
    if (isWebMqttError(error)) return error;
    throw new Error(`threw something that is not a WebMqttError: ${String(error)}`);
  }
  throw new Error('did not throw');
}

const noop = () => {};
const logger = { debug: noop, info: noop, warn: noop, error: noop };

// [description, options (url added unless given), field named in the error]
const BAD: Array<[string, Record<string, unknown>, string]> = [
  ['url missing', { url: undefined }, 'url'],
  ['url a number', { url: 42 }, 'url'],
  ['url an empty list', { url: [] }, 'url'],
  ['url an object', { url: { href: URL_OK } }, 'url'],
  ['url list entry not a string', { url: [URL_OK, 5] }, 'url[1]'],
  ['url list entry bad scheme', { url: [URL_OK, 'mqtt://b.example.com'] }, 'url[1]'],
  ['url mqtt://', { url: 'mqtt://broker.example.com:1883' }, 'url'],
  ['url http://', { url: 'http://broker.example.com/mqtt' }, 'url'],
  ['url without host', { url: 'ws://' }, 'url'],
  ['url port out of range', { url: 'ws://broker.example.com:99999/mqtt' }, 'url'],
  ['url port 0', { url: 'ws://broker.example.com:0/mqtt' }, 'url'],
  ['url with a fragment', { url: 'wss://broker.example.com/mqtt#x' }, 'url'],
  ['url without scheme', { url: 'broker.example.com/mqtt' }, 'url'],
  ['clientId empty', { clientId: '' }, 'clientId'],
  ['clientId a number', { clientId: 7 }, 'clientId'],
  ['protocolVersion 3', { protocolVersion: 3 }, 'protocolVersion'],
  ['protocolVersion "5"', { protocolVersion: '5' }, 'protocolVersion'],
  ['clean a string', { clean: 'yes' }, 'clean'],
  ['sessionExpiryInterval negative', { sessionExpiryInterval: -1 }, 'sessionExpiryInterval'],
  ['sessionExpiryInterval above 2^32-1', { sessionExpiryInterval: 2 ** 32 }, 'sessionExpiryInterval'],
  ['keepalive negative', { keepalive: -1 }, 'keepalive'],
  ['keepalive above 65535', { keepalive: 65_536 }, 'keepalive'],
  ['keepalive fractional', { keepalive: 1.5 }, 'keepalive'],
  ['connectTimeoutMs 0', { connectTimeoutMs: 0 }, 'connectTimeoutMs'],
  ['connectTimeoutMs NaN', { connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
  ['connectTimeoutMs a string', { connectTimeoutMs: '1000' }, 'connectTimeoutMs'],
  ['username a number', { username: 7 }, 'username'],
  ['password a number', { password: 1234 }, 'password'],
  ['password an ArrayBuffer', { password: new ArrayBuffer(2) }, 'password'],
  ['password beside a token placed in the password', { password: 'p', auth: { token: 't' } }, 'password'],
  ['username beside a token placed in the username', { username: 'u', auth: { token: 't', placement: 'username' } }, 'username'],
  ['username and auth.username naming two users', { username: 'a', auth: { token: 't', username: 'b' } }, 'username'],
  ['auth a string', { auth: 'token' }, 'auth'],
  ['auth.token missing', { auth: {} }, 'auth.token'],
  ['auth.token empty', { auth: { token: '' } }, 'auth.token'],
  ['auth.token a number', { auth: { token: 42 } }, 'auth.token'],
  ['auth.placement unknown', { auth: { token: 't', placement: 'header' } }, 'auth.placement'],
  ['auth.username a number', { auth: { token: 't', username: 1 } }, 'auth.username'],
  ['auth.queryParam with a space', { auth: { token: 't', placement: 'query', queryParam: 'a b' } }, 'auth.queryParam'],
  ['auth.queryParam empty', { auth: { token: 't', queryParam: '' } }, 'auth.queryParam'],
  ['auth.refreshBeforeExpiryMs negative', { auth: { token: 't', refreshBeforeExpiryMs: -1 } }, 'auth.refreshBeforeExpiryMs'],
  ['auth.providerTimeoutMs 0', { auth: { token: 't', providerTimeoutMs: 0 } }, 'auth.providerTimeoutMs'],
  ['allowInsecureAuth a string', { allowInsecureAuth: 'true' }, 'allowInsecureAuth'],
  ['reconnect a string', { reconnect: 'always' }, 'reconnect'],
  ['reconnect.initialDelayMs negative', { reconnect: { initialDelayMs: -5 } }, 'reconnect.initialDelayMs'],
  ['reconnect.maxDelayMs below initialDelayMs', { reconnect: { initialDelayMs: 5000, maxDelayMs: 1000 } }, 'reconnect.maxDelayMs'],
  ['reconnect.factor below 1', { reconnect: { factor: 0.5 } }, 'reconnect.factor'],
  ['reconnect.jitter unknown', { reconnect: { jitter: 'random' } }, 'reconnect.jitter'],
  ['reconnect.maxAttempts 0', { reconnect: { maxAttempts: 0 } }, 'reconnect.maxAttempts'],
  ['reconnect.maxAttempts fractional', { reconnect: { maxAttempts: 2.5 } }, 'reconnect.maxAttempts'],
  ['reconnect.resetAfterMs a string', { reconnect: { resetAfterMs: '10s' } }, 'reconnect.resetAfterMs'],
  ['offlineQueue an array', { offlineQueue: [] }, 'offlineQueue'],
  ['offlineQueue.maxMessages 0', { offlineQueue: { maxMessages: 0 } }, 'offlineQueue.maxMessages'],
  ['offlineQueue.maxBytes 0', { offlineQueue: { maxBytes: 0 } }, 'offlineQueue.maxBytes'],
  ['offlineQueue.overflow unknown', { offlineQueue: { overflow: 'drop' } }, 'offlineQueue.overflow'],
  ['will a string', { will: 'offline' }, 'will'],
  ['will.topic missing', { will: { payload: 'x' } }, 'will.topic'],
  ['will.topic with a wildcard', { will: { topic: 'a/+', payload: 'x' } }, 'will.topic'],
  ['will.payload a number', { will: { topic: 'a', payload: 5 } }, 'will.payload'],
  ['will.qos 3', { will: { topic: 'a', payload: 'x', qos: 3 } }, 'will.qos'],
  ['will.retain a string', { will: { topic: 'a', payload: 'x', retain: 'no' } }, 'will.retain'],
  ['will.properties an array', { will: { topic: 'a', payload: 'x', properties: [] } }, 'will.properties'],
  ['browserEvents a number', { browserEvents: 1 }, 'browserEvents'],
  ['logger missing warn', { logger: { debug: noop, info: noop, error: noop } }, 'logger.warn'],
  ['logger a function', { logger: noop }, 'logger'],
  ['tls a string', { tls: 'cert' }, 'tls'],
  ['properties an array', { properties: [] }, 'properties'],
  ['random a number', { random: 0.5 }, 'random'],
  ['mqttFactory an object', { mqttFactory: {} }, 'mqttFactory'],
  ['an unknown key', { urls: [URL_OK] }, 'urls'],
  ['a misspelt key', { keepAlive: 30 }, 'keepAlive'],
];

describe('normalizeOptions: rejects bad options with INVALID_OPTIONS naming the field', () => {
  it('has more than 40 cases, covering every validated top-level option', () => {
    expect(BAD.length).toBeGreaterThan(40);
    const covered = new Set(BAD.map(([, , field]) => field.split(/[.[]/)[0]));
    const validated = ['url', 'clientId', 'protocolVersion', 'clean', 'sessionExpiryInterval', 'keepalive', 'connectTimeoutMs', 'username', 'password', 'auth',
      'allowInsecureAuth', 'reconnect', 'offlineQueue', 'will', 'browserEvents', 'logger', 'tls', 'properties', 'random', 'mqttFactory'];
    expect(validated.filter((key) => !covered.has(key))).toEqual([]);
  });

  it.each(BAD)('%s', (_description, options, field) => {
    const input = 'url' in options ? options : { url: URL_OK, ...options };
    const error = optionError(input);
    expect(error).toBeInstanceOf(WebMqttError);
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(error.field).toBe(field);
    expect(error.retryable).toBe(false);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it.each([null, undefined, 'wss://b/mqtt', [URL_OK], 42])('rejects %j as the whole options value', (input) => {
    expect(optionError(input).field).toBe('options');
  });

  it('throws the same from createClient(), synchronously', () => {
    expect(() => createClient({ url: URL_OK, keepalive: -1 })).toThrowError(WebMqttError);
  });

  // BUG: `clock` and `browserSignals` are not validated; a wrong value only breaks later (connect() throws a TypeError synchronously).
  it.each([
    ['clock', { clock: {} }],
    ['browserSignals', { browserSignals: 'yes' }],
  ])('rejects a malformed %s at createClient()', (field, options) => {
    // The field names the missing method, e.g. clock.now.
    expect(optionError({ url: URL_OK, ...options }).field).toMatch(new RegExp(`^${field}`));
  });

  it.each([
    ['reconnect.intialDelayMs', { reconnect: { intialDelayMs: 5 } }],
    ['auth.palcement', { auth: { token: 't', palcement: 'query' } }],
    ['offlineQueue.maxMessage', { offlineQueue: { maxMessage: 5 } }],
    // The misspelling a user porting the seed's TLS options made (issue #13): named, with the known keys.
    ['tls.certificate', { tls: { certificate: 'PEM' } }],
  ])('rejects the unknown nested key %s', (field, options) => {
    expect(optionError({ url: URL_OK, ...options }).field).toBe(field);
  });

  it('names the known tls keys when one is misspelt', () => {
    expect(optionError({ url: URL_OK, tls: { certificate: 'PEM' } }).message).toMatch(/one of ca, cert, key, pfx, passphrase, rejectUnauthorized/);
  });
});

describe('normalizeOptions: URL hints', () => {
  it('says browsers cannot open mqtt:// and suggests ws:// or wss://', () => {
    const error = optionError({ url: 'mqtt://broker.example.com:1883' });
    expect(error.message).toMatch(/WebSocket/);
    expect(error.message).toMatch(/wss?:\/\//);
  });

  it('suggests wss:// for https:// and ws:// for http://', () => {
    expect(optionError({ url: 'https://b.example.com/mqtt' }).message).toMatch(/use wss:\/\//);
    expect(optionError({ url: 'http://b.example.com/mqtt' }).message).toMatch(/use ws:\/\//);
  });

  it('says the port is out of range', () => {
    expect(optionError({ url: 'ws://b.example.com:70000/mqtt' }).message).toMatch(/port 70000 is out of range/);
  });

  it('keeps the URL parser error as cause', () => {
    const error = optionError({ url: 'http://b.example.com/mqtt' });
    expect(isWebMqttError(error.cause)).toBe(true);
  });

  it('never shows credentials from the URL in the message', () => {
    const error = optionError({ url: 'http://user:hunter2@b.example.com/mqtt?access_token=abc.def.ghi' });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('abc.def.ghi');
  });

  it('shows a long string as its length only', () => {
    const secretish = 'x'.repeat(60);
    expect(optionError({ url: URL_OK, clientId: 5, protocolVersion: secretish }).message).not.toContain(secretish);
  });
});

describe('normalizeOptions: static credentials (the seed\'s username / password)', () => {
  it('accepts the seed\'s options as written: a username and password null', () => {
    const o = normalizeOptions({ url: 'ws://localhost:8084/mqtt', clean: true, clientId: 'tbmq_websockets_client_id', username: 'tbmq_websockets_username', password: null });
    expect(o.username).toBe('tbmq_websockets_username');
    expect(o.password).toBeUndefined();
    expect(normalizeOptions({ url: URL_OK, username: null, password: null }).username).toBeUndefined();
  });

  it('keeps a text or binary password, out of JSON and enumeration', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(normalizeOptions({ url: URL_OK, username: 'u', password: bytes }).password).toBe(bytes);
    const o = normalizeOptions({ url: URL_OK, username: 'u', password: 'hunter2-secret' });
    expect(o.password).toBe('hunter2-secret');
    expect(JSON.stringify(o)).not.toContain('hunter2-secret');
    expect(Object.keys(o)).not.toContain('password');
  });

  it('never echoes a bad password in the error', () => {
    expect(optionError({ url: URL_OK, password: { secret: 'x' } }).message).not.toContain('secret');
  });

  it('names both options of a conflict and says how to resolve it', () => {
    const error = optionError({ url: URL_OK, password: 'p', auth: { token: 't' } });
    expect(error.message).toMatch(/"password" and "auth" conflict/);
    expect(error.message).toMatch(/placement/);
  });

  it('allows a static password beside a token in the username or the query, and one username given twice', () => {
    expect(normalizeOptions({ url: URL_OK, password: 'p', auth: { token: 't', placement: 'username' } }).password).toBe('p');
    expect(normalizeOptions({ url: URL_OK, username: 'u', password: 'p', auth: { token: 't', placement: 'query' } }).username).toBe('u');
    expect(normalizeOptions({ url: URL_OK, username: 'u', auth: { token: 't', username: 'u' } }).username).toBe('u');
  });

  it('lists every documented option, and no injection point, when a key is unknown', () => {
    const message = optionError({ url: URL_OK, user: 'x' }).message;
    for (const name of ['username', 'password', 'tls', 'properties']) expect(message).toContain(name);
    expect(message).not.toMatch(/mqttFactory|browserSignals/);
  });
});

describe('normalizeOptions: accepted shapes and defaults', () => {
  it('fills every default', () => {
    const o = normalizeOptions({ url: URL_OK, random: () => 0.5 });
    expect(o).toMatchObject({
      url: [URL_OK],
      clientId: 'webmqtt_' + 's'.repeat(12),
      protocolVersion: 'auto',
      clean: true,
      sessionExpiryInterval: undefined,
      keepalive: 30,
      connectTimeoutMs: 10_000,
      username: undefined,
      password: undefined,
      auth: undefined,
      allowInsecureAuth: false,
      reconnect: { initialDelayMs: 1000, maxDelayMs: 30_000, factor: 2, jitter: 'full', maxAttempts: Infinity, resetAfterMs: 10_000 },
      offlineQueue: { maxMessages: 1000, maxBytes: 1_048_576, overflow: 'drop-oldest' },
      will: undefined,
      browserEvents: true,
      logger: undefined,
      tls: undefined,
      properties: undefined,
    });
  });

  it('defaults to a random client id of the form webmqtt_ + 12 characters', () => {
    expect(normalizeOptions({ url: URL_OK }).clientId).toMatch(/^webmqtt_[a-z0-9]{12}$/);
    expect(randomClientId(() => 0.999999)).toBe('webmqtt_' + '9'.repeat(12));
  });

  it('fills auth defaults, with providerTimeoutMs following connectTimeoutMs', () => {
    const o = normalizeOptions({ url: URL_OK, connectTimeoutMs: 4000, auth: { token: 't' } });
    expect(o.auth).toEqual({ token: 't', placement: 'password', username: undefined, queryParam: 'access_token', refreshBeforeExpiryMs: 60_000, providerTimeoutMs: 4000 });
  });

  it('raises the default maxDelayMs to a larger initialDelayMs', () => {
    const o = normalizeOptions({ url: URL_OK, reconnect: { initialDelayMs: 60_000 } });
    expect(o.reconnect).toMatchObject({ initialDelayMs: 60_000, maxDelayMs: 60_000 });
  });

  it('accepts a URL list and a URL function', () => {
    const list = ['wss://a.example.com/mqtt', 'ws://localhost:8084/mqtt'];
    expect(normalizeOptions({ url: list }).url).toEqual(list);
    const fn = () => URL_OK;
    expect(normalizeOptions({ url: fn }).url).toBe(fn);
  });

  it('accepts reconnect false and offlineQueue false', () => {
    const o = normalizeOptions({ url: URL_OK, reconnect: false, offlineQueue: false });
    expect(o.reconnect).toBe(false);
    expect(o.offlineQueue).toBe(false);
  });

  it('accepts maxAttempts Infinity, keepalive 0 and sessionExpiryInterval 0xFFFFFFFF', () => {
    const o = normalizeOptions({ url: URL_OK, keepalive: 0, sessionExpiryInterval: 0xffffffff, reconnect: { maxAttempts: Infinity } });
    expect(o.keepalive).toBe(0);
    expect(o.sessionExpiryInterval).toBe(0xffffffff);
    expect(o.reconnect && o.reconnect.maxAttempts).toBe(Infinity);
  });

  it('encodes a string will payload and fills will defaults', () => {
    const o = normalizeOptions({ url: URL_OK, will: { topic: 'clients/x/status', payload: 'offline' } });
    expect(o.will).toEqual({ topic: 'clients/x/status', payload: new TextEncoder().encode('offline'), qos: 0, retain: false, properties: undefined });
  });

  it('keeps the injected clock, random, factory, signals and logger', () => {
    const clock = new ManualClock();
    const random = () => 0.1;
    const { factory } = fakeFactory();
    const signals = new FakeBrowserSignals();
    const o = normalizeOptions({ url: URL_OK, clock, random, mqttFactory: factory, browserSignals: signals, logger });
    expect(o.clock).toBe(clock);
    expect(o.random).toBe(random);
    expect(o.mqttFactory).toBe(factory);
    expect(o.browserSignals).toBe(signals);
    expect(o.logger).toBe(logger);
  });

  it('accepts browserSignals null (no browser)', () => {
    expect(normalizeOptions({ url: URL_OK, browserSignals: null }).browserSignals).toBeNull();
  });

  it('does not mutate the options object it is given', () => {
    const input = { url: URL_OK, reconnect: { initialDelayMs: 10 }, auth: { token: 't' } };
    const copy = structuredClone(input);
    normalizeOptions(input);
    expect(input).toEqual(copy);
  });
});
