import type { BackoffPolicy, JitterMode } from '../connection/backoff';
import { MAX_TIMER_DELAY_MS, type Clock } from './clock';
import { DEFAULT_OFFLINE_QUEUE, DEFAULT_RECONNECT } from './defaults';
import type { QueueLimits, OverflowPolicy } from '../messaging/offline-queue';
import type { MqttFactory } from '../connection/mqtt-factory';
import type { BrowserSignals } from '../platform/browser-signals';
import type { Logger } from './logger';
import type { TabPlatform } from '../platform/tab-platform';
import { ErrorCode, WebMqttError, describeType, describeValue } from './errors';
import { parseBrokerUrl } from './url';
import { validateTopicName } from '../messaging/topic';
import { encodePayload } from '../messaging/payload';

/** Why a token is being asked for. */
export type TokenReason = 'initial' | 'reconnect' | 'rejected' | 'expiring';

/** What a token provider may return. `expiresAt` is ms since epoch; without it a JWT's `exp` is read. */
export type TokenResult =
  | string
  | {
      /** The token to send (a non-empty string). */
      token: string;
      /** When the token expires, in ms since the epoch; without it a JWT's `exp` claim is read. */
      expiresAt?: number | undefined;
    };

/** Called before every connection attempt. */
export type TokenProvider = (context: { attempt: number; reason: TokenReason }) => TokenResult | Promise<TokenResult>;

/**
 * Where the token goes on the wire. `'password'` (the default) and `'username'` put it in the CONNECT packet,
 * inside the WebSocket stream. `'query'` puts it in the WebSocket URL, which is the HTTP request line of the
 * upgrade (`GET /mqtt?access_token=… HTTP/1.1`): TLS hides it on the wire, but proxies, load balancers and the
 * broker's access logs record request lines, and DevTools' Network panel shows them. Prefer `'password'` wherever
 * the broker reads it; use `'query'` only for brokers that read nothing else (AWS IoT custom authorizers).
 */
export type TokenPlacement = 'password' | 'username' | 'query';

/** Token authentication (option `auth`): where the token comes from and where it goes on the wire. */
export interface AuthOptions {
  /** A static token or a provider awaited before every connection attempt. */
  token: string | TokenProvider;
  /** Default `'password'` (recommended); `'query'` puts the token in the WebSocket request line: see {@link TokenPlacement}. */
  placement?: TokenPlacement | undefined;
  /** MQTT username sent with placement `'password'`. */
  username?: string | undefined;
  /** Query parameter name for placement `'query'`. Default `'access_token'`. */
  queryParam?: string | undefined;
  /** Fetch a new token this long before the current one expires. Default 60 000. */
  refreshBeforeExpiryMs?: number | undefined;
  /** A provider that takes longer than this fails the attempt. Default: `connectTimeoutMs`. */
  providerTimeoutMs?: number | undefined;
}

/** Exponential backoff between reconnect attempts (option `reconnect`); every field is optional. */
export interface ReconnectOptions {
  /** Ceiling of the delay before the first retry, in ms. Default 1 000. */
  initialDelayMs?: number | undefined;
  /** No delay is ever longer than this, in ms; at least `initialDelayMs`. Default 30 000 (or `initialDelayMs` if larger). */
  maxDelayMs?: number | undefined;
  /** The delay ceiling is multiplied by this after each failed attempt (1 to 100). Default 2. */
  factor?: number | undefined;
  /** How each delay is randomised below its ceiling (see {@link JitterMode}). Default `'full'`. */
  jitter?: JitterMode | undefined;
  /** After this many failed attempts in a row the client gives up: state `failed`, code `RECONNECT_EXHAUSTED`. Default `Infinity`. */
  maxAttempts?: number | undefined;
  /** The attempt counter resets only after a connection has stayed up this long, in ms. Default 10 000. */
  resetAfterMs?: number | undefined;
}

/** Bounds of the queue that holds publishes made while not connected (option `offlineQueue`). */
export interface OfflineQueueOptions {
  /** Most publishes held at once. Default 1 000. */
  maxMessages?: number | undefined;
  /** Most bytes held at once, counting each publish's payload bytes plus its topic's length. Default 1 048 576 (1 MiB). */
  maxBytes?: number | undefined;
  /** What happens to a publish that does not fit (see {@link OverflowPolicy}). Default `'drop-oldest'`. */
  overflow?: OverflowPolicy | undefined;
  /**
   * Keep unacknowledged QoS 1/2 publishes in IndexedDB, so they survive a reload or a crash and go out from the next
   * page with the same `clientId` (which must then be given explicitly). Default false. See the README, "Offline queue".
   */
  persist?: boolean | undefined;
}

/** The tab group of option `shareAcrossTabs`. */
export interface ShareAcrossTabsOptions {
  /** The group's name: tabs of this origin with the same name share one connection. Default: the URL(s) and the clientId. */
  name?: string | undefined;
}

/** MQTT quality of service: 0 at most once, 1 at least once, 2 exactly once. */
export type QoS = 0 | 1 | 2;

/** The Last Will (option `will`): a message the broker publishes for this client if its connection ends without a DISCONNECT. */
export interface WillOptions {
  /** The topic the will is published to (a topic name: no wildcards). */
  topic: string;
  /** The will's payload: a string is sent as UTF-8. */
  payload: string | Uint8Array;
  /** QoS of the will message. Default 0. */
  qos?: QoS | undefined;
  /** Whether the broker retains the will message. Default false. */
  retain?: boolean | undefined;
  /** MQTT 5 will properties (willDelayInterval, messageExpiryInterval, contentType, userProperties, …). */
  properties?: Record<string, unknown> | undefined;
}

/** PEM text or DER bytes (a Node.js `Buffer` is a `Uint8Array`). */
export type TlsMaterial = string | Uint8Array;

/** A TLS protocol version, as Node.js's `minVersion` / `maxVersion` take it. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/**
 * Node.js only: TLS settings for `wss://` (a private CA, mutual TLS, pinned versions). They reach Node's
 * `tls.connect()` through `ws`; browsers ignore them. Only these keys are accepted: none of them can change the
 * transport the URL names (scheme, host, port), and any other key is `INVALID_OPTIONS`.
 */
export interface TlsOptions {
  /** CA certificates to trust for the broker's certificate, in place of Node's bundled roots (a private CA). Default: Node's roots. */
  ca?: TlsMaterial | TlsMaterial[] | undefined;
  /** The client certificate chain presented for mutual TLS, with `key`. Default: none. */
  cert?: TlsMaterial | TlsMaterial[] | undefined;
  /** The private key of `cert` for mutual TLS (several, each optionally with its own passphrase). Default: none. */
  key?: TlsMaterial | Array<TlsMaterial | { pem: TlsMaterial; passphrase?: string }> | undefined;
  /** A PKCS#12 (PFX) bundle holding the client's key and certificate, instead of `key` and `cert`. Default: none. */
  pfx?: TlsMaterial | Array<TlsMaterial | { buf: TlsMaterial; passphrase?: string }> | undefined;
  /** The passphrase of an encrypted `key` or `pfx`. Default: none. */
  passphrase?: string | undefined;
  /** Default `true` (Node's): the broker's certificate must chain to `ca` or a system root. */
  rejectUnauthorized?: boolean | undefined;
  /** The SNI name and the name the certificate must carry; default: the URL's host. */
  servername?: string | undefined;
  /** The OpenSSL cipher list to offer, as Node's `ciphers`. Default: Node's. */
  ciphers?: string | undefined;
  /** The lowest TLS version to accept. Default: Node's. */
  minVersion?: TlsVersion | undefined;
  /** The highest TLS version to offer. Default: Node's. */
  maxVersion?: TlsVersion | undefined;
  /** The curves for ECDH key agreement, as Node's `ecdhCurve`. Default: Node's. */
  ecdhCurve?: string | undefined;
  /** The signature algorithms to offer, as Node's `sigalgs`. Default: Node's. */
  sigalgs?: string | undefined;
  /** Certificate revocation lists the broker's certificate is checked against. Default: none. */
  crl?: TlsMaterial | TlsMaterial[] | undefined;
}

/** A broker URL, a list of cluster nodes tried in rotation, or a function resolving one per attempt. */
export type UrlOption = string | readonly string[] | (() => string | Promise<string>);

/** Options of {@link createClient}. Only `url` is required. */
export interface ClientOptions {
  /** The broker's `ws://` or `wss://` URL, a list of cluster nodes tried in rotation, or a function resolving one per attempt. Required. */
  url: UrlOption;
  /** The MQTT client identifier. Default: `'webmqtt_'` followed by 12 random characters. */
  clientId?: string | undefined;
  /** The MQTT version: 5, 4 (3.1.1), or `'auto'` (MQTT 5 first, 3.1.1 once the broker proves it cannot speak 5, then remembered). Default `'auto'`. */
  protocolVersion?: 'auto' | 4 | 5 | undefined;
  /** Start a clean session; set false (with `sessionExpiryInterval` on MQTT 5) to resume a persistent one. Default true. */
  clean?: boolean | undefined;
  /** MQTT 5 only: how long the broker keeps the session after the connection ends, in seconds. Default: not sent (the broker's default). */
  sessionExpiryInterval?: number | undefined;
  /** The MQTT keepalive interval, in seconds (0 to 65 535; 0 turns keepalive off). Default 30. */
  keepalive?: number | undefined;
  /** An attempt with no CONNACK within this long fails with `CONNECT_TIMEOUT`, in ms. Default 10 000. */
  connectTimeoutMs?: number | undefined;
  /**
   * A static MQTT username, as in MQTT.js: for brokers that check a name and password, or take the name from a
   * client certificate. Shown in the `packet` log. With `auth`: the token's `auth.username` is the same setting
   * (give one of them), and placement `'username'` puts the token here (then leave this out).
   */
  username?: string | null | undefined;
  /**
   * A static MQTT password (UTF-8 text or bytes; `null` for none, as in the seed's MQTT.js options). Redacted
   * everywhere a token is, and never sent over plain `ws://` to another machine (see `allowInsecureAuth`). With
   * `auth`, placement `'password'` (the default) sends the token here, so a static password is refused beside it.
   */
  password?: string | Uint8Array | null | undefined;
  /** Token authentication (a static token or a provider called before every attempt). Default: none. */
  auth?: AuthOptions | undefined;
  /**
   * Allow credentials over plain `ws://` to a host that is not this machine: the token, userinfo in the URL,
   * credential-looking query parameters (`access_token`, `password`, `key`, …) and `properties.authenticationData`.
   * Default false: such an attempt fails with `INSECURE_TRANSPORT` before anything is sent.
   */
  allowInsecureAuth?: boolean | undefined;
  /** Reconnect with exponential backoff; `false` turns reconnecting off (the first failure is final: state `failed`). Default: on, with every default of {@link ReconnectOptions}. */
  reconnect?: ReconnectOptions | boolean | undefined;
  /** Queue publishes made while not connected; `false` turns the queue off (such publishes reject with `CONNECTION_LOST`). Default: on, with every default of {@link OfflineQueueOptions}. */
  offlineQueue?: OfflineQueueOptions | false | undefined;
  /** The Last Will the broker publishes if the connection ends without a DISCONNECT. Default: none. */
  will?: WillOptions | undefined;
  /**
   * Share one connection between the tabs of this origin: one tab (the leader) holds it, the others relay through it
   * (see `client.role`). `true` names the group after the URL and the clientId; `{ name }` names it yourself (needed
   * with a `url` function). Where the browser has no Web Locks or BroadcastChannel the client runs alone (`'solo'`).
   * Default false. See the README, "One connection for all tabs".
   */
  shareAcrossTabs?: boolean | ShareAcrossTabsOptions | undefined;
  /** React to the browser's online, offline, visibility and pageshow events (no attempts while offline). Default true. */
  browserEvents?: boolean | undefined;
  /** Where diagnostics go (`debug`, `info`, `warn`, `error`). Default: silent. */
  logger?: Logger | undefined;
  /** Node.js only: TLS settings for `wss://` (a private CA, mutual TLS); browsers ignore them. Default: none. */
  tls?: TlsOptions | undefined;
  /** MQTT 5 CONNECT properties (receiveMaximum, topicAliasMaximum, userProperties, …). */
  properties?: Record<string, unknown> | undefined;
  /** Injection points for tests and unusual runtimes. */
  clock?: Clock | undefined;
  /** Source of random numbers in [0, 1) for backoff jitter and the generated client id. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Creates the MQTT.js client the connection runs on (tests inject a fake). Default: the SDK's own factory. */
  mqttFactory?: MqttFactory | undefined;
  /** Where online/offline and visibility signals come from; `null` for none. Default: `window` and `document` where they exist. */
  browserSignals?: BrowserSignals | null | undefined;
  /** What tabs share a connection with (Web Locks and BroadcastChannel); `null` for none. Default: the browser's, where it has both. */
  tabPlatform?: TabPlatform | null | undefined;
}

export interface NormalizedAuth {
  token: string | TokenProvider;
  placement: TokenPlacement;
  username: string | undefined;
  queryParam: string;
  refreshBeforeExpiryMs: number;
  providerTimeoutMs: number;
}

export interface NormalizedWill {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties: Record<string, unknown> | undefined;
}

/** The one shape the rest of the client sees: validated, defaults filled. */
export interface NormalizedOptions {
  url: readonly string[] | (() => string | Promise<string>);
  clientId: string;
  protocolVersion: 'auto' | 4 | 5;
  clean: boolean;
  sessionExpiryInterval: number | undefined;
  keepalive: number;
  connectTimeoutMs: number;
  username: string | undefined;
  /** Never null: `null` (no password) is normalised to undefined. */
  password: string | Uint8Array | undefined;
  auth: NormalizedAuth | undefined;
  allowInsecureAuth: boolean;
  reconnect: BackoffPolicy | false;
  offlineQueue: QueueLimits | false;
  will: NormalizedWill | undefined;
  /** The tab group's name (never empty), or false. */
  shareAcrossTabs: { name: string } | false;
  browserEvents: boolean;
  logger: Logger | undefined;
  tls: TlsOptions | undefined;
  properties: Record<string, unknown> | undefined;
  clock: Clock | undefined;
  random: () => number;
  mqttFactory: MqttFactory | undefined;
  browserSignals: BrowserSignals | null | undefined;
  tabPlatform: TabPlatform | null | undefined;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 'webmqtt_' + 12 random characters. */
export function randomClientId(random: () => number): string {
  let id = 'webmqtt_';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return id;
}

/** The upper bound of every `…Ms` option: the longest delay a timer honours. */
const MAX_MS = MAX_TIMER_DELAY_MS;

/** Options whose values may be secrets (the token, TLS keys, enhanced-auth data, a password): errors say only the type. */
const SECRET_FIELD = /(?:^|\.)(?:auth|tls|properties|password)(?:[.[]|$)/;

/**
 * Top-level options whose values may hold a secret (a URL's userinfo or token parameter, the token, TLS keys,
 * enhanced-auth data): kept non-enumerable on the normalised options, so `JSON.stringify` and `util.inspect` of
 * anything holding them (the client) do not reach them. The code reads them as usual.
 */
const HIDDEN_OPTIONS = ['url', 'password', 'auth', 'tls', 'properties'] as const;

/** Options for tests and unusual runtimes: not named among the documented options in an unknown-key error. */
const INJECTION_POINTS = ['clock', 'random', 'mqttFactory', 'browserSignals', 'tabPlatform'];

/**
 * The INVALID_OPTIONS error for a bad option or call argument: names it, says what it must be and what it got
 * (a long string only by its length, so a misplaced token is not echoed; under `auth`, `tls`, `properties` or a
 * `password`, only the type).
 */
export function optionError(field: string, expected: string, got?: unknown, prefix = ''): WebMqttError {
  const shown = got === undefined ? '' : ` (got ${SECRET_FIELD.test(field) ? describeType(got) : describeValue(got)})`;
  return new WebMqttError(ErrorCode.INVALID_OPTIONS, `${prefix}"${field}" must be ${expected}${shown}.`, { field });
}

function fail(field: string, expected: string, got?: unknown): never {
  throw optionError(field, expected, got, 'Option ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one option. Gets its value, its full name (`reconnect.factor`) and the options of its object checked so
 * far (in table order); returns the normalised value or throws INVALID_OPTIONS naming the option.
 */
type Check<T = unknown> = (value: unknown, field: string, done?: Record<string, unknown>) => T;

/**
 * Checks an object of options against a table of checks: a key not in the table is refused (a misspelt option
 * would otherwise be ignored without a word), every key of the table goes through its check, in order.
 */
function checkObject<T>(value: Record<string, unknown>, prefix: string, table: Record<string, Check>, list?: string): T {
  const known = Object.keys(table);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(prefix + key, `one of ${list ?? known.join(', ')} (check its spelling)`);
  }
  const out: Record<string, unknown> = {};
  for (const key in table) out[key] = table[key]!(value[key], prefix + key, out);
  return out as T;
}

/** An integer (or any number with `integer` false) from `min` to `max`; `fallback` when absent. */
const num =
  (min: number, max: number, fallback: number, integer = true): Check<number> =>
  (value, field) => {
    if (value === undefined) return fallback;
    const ok = typeof value === 'number' && value >= min && value <= max && (!integer || Number.isInteger(value) || value === Infinity);
    if (!ok) fail(field, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
    return value as number;
  };

const oneOf =
  <T>(allowed: readonly T[], fallback: T): Check<T> =>
  (value, field) => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) fail(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
    return value as T;
  };

const bool =
  (fallback: boolean): Check<boolean> =>
  (value, field) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(field, 'true or false', value);
    return value;
  };

/** A value `ok` accepts, or undefined; otherwise INVALID_OPTIONS saying it must be `expected`. */
const is =
  (ok: (value: unknown) => boolean, expected: string): Check =>
  (value, field) => {
    if (value !== undefined && !ok(value)) fail(field, expected, value);
    return value;
  };

const text = is((value) => typeof value === 'string', 'a string');

/** PEM text or DER bytes. */
const pem = (value: unknown): boolean => typeof value === 'string' || value instanceof Uint8Array;

/** A function, or undefined. */
const fn: Check = (value, field) => {
  if (value !== undefined && typeof value !== 'function') fail(field, 'a function', value);
  return value;
};

/** A plain object, or undefined. */
const obj: Check<Record<string, unknown> | undefined> = (value, field) => {
  if (value !== undefined && !isPlainObject(value)) fail(field, 'an object', value);
  return value as Record<string, unknown> | undefined;
};

/** An object with these methods (or null when `allowNull`), or undefined. */
const methods =
  (names: readonly string[], allowNull = false): Check =>
  (value, field) => {
    if (value === undefined || (value === null && allowNull)) return value;
    if (typeof value !== 'object' || value === null) fail(field, `an object with ${names.join(', ')}`, value);
    for (const name of names) {
      const method = (value as Record<string, unknown>)[name];
      if (typeof method !== 'function') fail(`${field}.${name}`, 'a function', method);
    }
    return value;
  };

/** An object option checked against `table` (see {@link checkObject}); `undefined` when absent. */
const section =
  <T>(table: Record<string, Check>): Check<T | undefined> =>
  (value, field) =>
    obj(value, field) && checkObject<T>(value as Record<string, unknown>, `${field}.`, table);

/** `false` turns the feature off; `true` or absent means every default. */
const orFalse =
  <T>(table: Record<string, Check>): Check<T | false> =>
  (value, field) =>
    value !== false && (section<T>(table)(value === true || value === undefined ? {} : value, field) as T);

const url: Check<NormalizedOptions['url']> = (value) => {
  if (typeof value === 'function') return value as () => string | Promise<string>;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!list || list.length === 0) {
    fail('url', 'a ws:// or wss:// URL such as "wss://broker.example.com:8085/mqtt", a non-empty list of them, or a function returning one', value);
  }
  return list.map((entry, i) => {
    const field = list.length > 1 ? `url[${i}]` : 'url';
    if (typeof entry !== 'string') fail(field, 'a string', entry);
    const parsed = parseBrokerUrl(entry);
    if (parsed instanceof WebMqttError) throw new WebMqttError(ErrorCode.INVALID_OPTIONS, parsed.message, { field, cause: parsed });
    return entry;
  });
};

/**
 * The tables of checks, one per object option. Built per call, not at module scope: importing webmqtt runs nothing.
 */
function tables(): Record<string, Check> {
  const AUTH: Record<string, Check> = {
    token: (value, field) => {
      if (typeof value !== 'function' && (typeof value !== 'string' || value === '')) fail(field, 'a non-empty string or a function ({ attempt, reason }) => token', value);
      return value;
    },
    placement: oneOf(['password', 'username', 'query'], 'password'),
    username: text,
    queryParam: (value = 'access_token', field) => {
      if (typeof value !== 'string' || !/^[\w.~-]+$/.test(value)) fail(field, 'a query parameter name (letters, digits, "_", "-", ".", "~")', value);
      return value;
    },
    refreshBeforeExpiryMs: num(0, MAX_MS, 60_000),
    // Filled in by normalizeOptions: the default is connectTimeoutMs.
    providerTimeoutMs: num(1, MAX_MS, 0),
  };

  // The defaults of both come from core/defaults.ts, their one copy.
  const reconnect = DEFAULT_RECONNECT;
  const RECONNECT: Record<string, Check> = {
    initialDelayMs: num(0, MAX_MS, reconnect.initialDelayMs),
    maxDelayMs: (value, field, done) => {
      const initial = done!['initialDelayMs'] as number;
      const max = num(0, MAX_MS, Math.max(reconnect.maxDelayMs, initial))(value, field);
      if (max < initial) fail(field, `at least reconnect.initialDelayMs (${initial})`, max);
      return max;
    },
    factor: num(1, 100, reconnect.factor, false),
    jitter: oneOf(['full', 'equal', 'decorrelated', 'none'], reconnect.jitter),
    maxAttempts: num(1, Infinity, reconnect.maxAttempts),
    resetAfterMs: num(0, MAX_MS, reconnect.resetAfterMs),
  };

  const queue = DEFAULT_OFFLINE_QUEUE;
  const QUEUE: Record<string, Check> = {
    maxMessages: num(1, 10_000_000, queue.maxMessages),
    maxBytes: num(1, MAX_MS, queue.maxBytes),
    overflow: oneOf(['drop-oldest', 'drop-newest', 'reject'], queue.overflow),
    persist: bool(queue.persist),
  };

  // The Node.js TLS options (tls.connect) that only secure the socket. Nothing MQTT.js would read as a transport
  // setting (protocol, host, port, path, servers, wsOptions, …) can get through: the URL alone names the transport.
  const material = is((v) => pem(v) || (Array.isArray(v) && v.every((item) => pem(item) || isPlainObject(item))), 'PEM text, DER bytes or an array of them');
  const TLS: Record<string, Check> = {
    ca: material,
    cert: material,
    key: material,
    pfx: material,
    passphrase: text,
    rejectUnauthorized: is((v) => typeof v === 'boolean', 'true or false'),
    servername: text,
    ciphers: text,
    minVersion: text,
    maxVersion: text,
    ecdhCurve: text,
    sigalgs: text,
    crl: material,
  };

  const WILL: Record<string, Check> = {
    topic: (value, field) => {
      const error = validateTopicName(value);
      if (error) throw new WebMqttError(ErrorCode.INVALID_OPTIONS, `Option "${field}": ${error.message}`, { field, cause: error });
      return value;
    },
    payload: (value, field) => {
      const payload = encodePayload(value ?? '');
      if (payload instanceof WebMqttError) fail(field, 'a string or a Uint8Array', value);
      return payload;
    },
    qos: oneOf([0, 1, 2], 0),
    retain: bool(false),
    properties: obj,
  };

  // Every option of ClientOptions, in the order they are checked (auth's default timeout is connectTimeoutMs);
  // the injection points for tests and unusual runtimes come last.
  return {
    url,
    clientId: (value, field) => {
      if (value != null && (typeof value !== 'string' || value === '' || value.length > 23_000)) fail(field, 'a non-empty string', value);
      return value;
    },
    protocolVersion: oneOf(['auto', 4, 5], 'auto'),
    clean: bool(true),
    sessionExpiryInterval: (value, field) => (value === undefined ? undefined : num(0, 0xffffffff, 0)(value, field)),
    keepalive: num(0, 65_535, 30),
    connectTimeoutMs: num(1, MAX_MS, 10_000),
    // `null` is "none", as the seed's MQTT.js options write it.
    username: (value, field) => (value === null ? undefined : text(value, field)),
    password: (value, field) => {
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) fail(field, 'a string, a Uint8Array or null', value);
      return value;
    },
    auth: (value, field, done) => {
      const auth = section<NormalizedAuth>(AUTH)(value, field);
      if (auth && (value as AuthOptions).providerTimeoutMs === undefined) auth.providerTimeoutMs = done!['connectTimeoutMs'] as number;
      return auth;
    },
    allowInsecureAuth: bool(false),
    reconnect: orFalse(RECONNECT),
    offlineQueue: orFalse(QUEUE),
    will: section(WILL),
    shareAcrossTabs: (value, field) => {
      if (value === undefined || value === false) return false;
      if (value === true) return { name: '' };
      if (!isPlainObject(value)) fail(field, 'true, false or { name: "a non-empty string" }', value);
      const group = section<{ name?: string }>({ name: text })(value, field)!;
      if (group.name === '') fail(`${field}.name`, 'a non-empty string', '');
      return { name: group.name ?? '' };
    },
    browserEvents: bool(true),
    logger: methods(['debug', 'info', 'warn', 'error']),
    tls: (value, field) => {
      const tls = section<Record<string, unknown>>(TLS)(value, field);
      // Only the keys given: an explicit `rejectUnauthorized: undefined` would switch Node's certificate check off.
      return tls && Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
    },
    properties: obj,
    clock: methods(['now', 'setTimeout', 'clearTimeout']),
    random: (value, field) => fn(value, field) ?? Math.random,
    mqttFactory: fn,
    browserSignals: methods(['isOnline', 'listen'], true),
    tabPlatform: methods(['locks', 'channel'], true),
  };
}

/**
 * Static credentials beside a token: where the token goes decides which static field it takes, so giving both is
 * a conflict named with both options (never silently one of them). `auth.username` and `username` are one setting.
 */
function checkCredentials(options: NormalizedOptions): void {
  const auth = options.auth;
  if (!auth) return;
  const conflict = (a: string, b: string, why: string): never => {
    throw new WebMqttError(ErrorCode.INVALID_OPTIONS, `Options "${a}" and "${b}" conflict: ${why}`, { field: a });
  };
  if (auth.placement === 'password' && options.password !== undefined) {
    conflict('password', 'auth', 'the token goes in the CONNECT password (auth.placement "password", the default). Drop the static password, or set auth.placement to "username" or "query".');
  }
  if (auth.placement === 'username' && options.username !== undefined) {
    conflict('username', 'auth.placement', 'the token goes in the CONNECT username (auth.placement "username"). Drop the static username, or place the token elsewhere.');
  }
  if (auth.username !== undefined && options.username !== undefined && auth.username !== options.username) {
    conflict('username', 'auth.username', 'they name two different usernames; give one of them.');
  }
}

/**
 * The default tab group: the broker URL(s) and the clientId, so tabs of one app that talk to one broker as one client
 * share. Without an explicit clientId the group is the URL's alone (each new leader then connects as a new client).
 */
function tabGroupName(options: NormalizedOptions): string {
  if (typeof options.url === 'function') fail('shareAcrossTabs', '{ name } when url is a function (tabs cannot compare functions)', true);
  return `${(options.url as readonly string[]).join(' ')}#${options.clientId ?? ''}`;
}

/**
 * Validates options once, at `createClient()`, and fills defaults.
 * Throws a WebMqttError `INVALID_OPTIONS` naming the option and what was expected.
 */
export function normalizeOptions(input: unknown): NormalizedOptions {
  if (!isPlainObject(input)) fail('options', 'an object such as { url: "wss://broker.example.com:8085/mqtt" }', input);
  const table = tables();
  // An unknown key's message lists the documented options, not the injection points (clock, random, …).
  const documented = Object.keys(table).filter((key) => !INJECTION_POINTS.includes(key));
  const options = checkObject<NormalizedOptions>(input, '', table, `the documented options (${documented.join(', ')})`);
  checkCredentials(options);
  // The outbox is found again by clientId: a random one would never be seen again, nor its publishes.
  if (options.offlineQueue && options.offlineQueue.persist && !options.clientId) fail('offlineQueue.persist', 'used with a clientId (the outbox is found by it)');
  if (options.shareAcrossTabs && options.shareAcrossTabs.name === '') options.shareAcrossTabs.name = tabGroupName(options);
  options.clientId ??= randomClientId(options.random);
  for (const key of HIDDEN_OPTIONS) Object.defineProperty(options, key, { value: options[key], enumerable: false });
  return options;
}
