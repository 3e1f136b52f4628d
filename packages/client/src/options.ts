import type { BackoffPolicy, JitterMode } from './backoff';
import type { Clock } from './clock';
import type { QueueLimits, OverflowPolicy } from './offline-queue';
import type { MqttFactory } from './mqtt-factory';
import type { BrowserSignals } from './browser-signals';
import type { Logger } from './logger';
import { ErrorCode, WebMqttError } from './errors';
import { parseBrokerUrl } from './url';
import { validateTopicName } from './topic';
import { encodePayload } from './payload';

/** Why a token is being asked for. */
export type TokenReason = 'initial' | 'reconnect' | 'rejected' | 'expiring';

/** What a token provider may return. `expiresAt` is ms since epoch; without it a JWT's `exp` is read. */
export type TokenResult = string | { token: string; expiresAt?: number };

/** Called before every connection attempt. */
export type TokenProvider = (context: { attempt: number; reason: TokenReason }) => TokenResult | Promise<TokenResult>;

/** Where the token goes on the wire. */
export type TokenPlacement = 'password' | 'username' | 'query';

export interface AuthOptions {
  /** A static token or a provider awaited before every connection attempt. */
  token: string | TokenProvider;
  /** Default `'password'`. */
  placement?: TokenPlacement;
  /** MQTT username sent with placement `'password'`. */
  username?: string;
  /** Query parameter name for placement `'query'`. Default `'access_token'`. */
  queryParam?: string;
  /** Fetch a new token this long before the current one expires. Default 60 000. */
  refreshBeforeExpiryMs?: number;
  /** A provider that takes longer than this fails the attempt. Default: `connectTimeoutMs`. */
  providerTimeoutMs?: number;
}

export interface ReconnectOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  jitter?: JitterMode;
  maxAttempts?: number;
  resetAfterMs?: number;
}

export interface OfflineQueueOptions {
  maxMessages?: number;
  maxBytes?: number;
  overflow?: OverflowPolicy;
}

export type QoS = 0 | 1 | 2;

export interface WillOptions {
  topic: string;
  payload: string | Uint8Array;
  qos?: QoS;
  retain?: boolean;
  properties?: Record<string, unknown>;
}

/** Node.js only: TLS material for `wss://` with mutual TLS. Browsers ignore it. */
export interface TlsOptions {
  key?: string | Uint8Array;
  cert?: string | Uint8Array;
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  rejectUnauthorized?: boolean;
}

/** A broker URL, a list of cluster nodes tried in rotation, or a function resolving one per attempt. */
export type UrlOption = string | readonly string[] | (() => string | Promise<string>);

/** Options of {@link createClient}. Only `url` is required. */
export interface ClientOptions {
  url: UrlOption;
  clientId?: string;
  protocolVersion?: 'auto' | 4 | 5;
  clean?: boolean;
  sessionExpiryInterval?: number;
  keepalive?: number;
  connectTimeoutMs?: number;
  auth?: AuthOptions;
  /** Allow sending a token over `ws://` to a non-loopback host. Default false. */
  allowInsecureAuth?: boolean;
  reconnect?: ReconnectOptions | boolean;
  offlineQueue?: OfflineQueueOptions | false;
  will?: WillOptions;
  browserEvents?: boolean;
  logger?: Logger;
  tls?: TlsOptions;
  /** MQTT 5 CONNECT properties (receiveMaximum, topicAliasMaximum, userProperties, …). */
  properties?: Record<string, unknown>;
  /** Injection points for tests and unusual runtimes. */
  clock?: Clock;
  random?: () => number;
  mqttFactory?: MqttFactory;
  browserSignals?: BrowserSignals | null;
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
  auth: NormalizedAuth | undefined;
  allowInsecureAuth: boolean;
  reconnect: BackoffPolicy | false;
  offlineQueue: QueueLimits | false;
  will: NormalizedWill | undefined;
  browserEvents: boolean;
  logger: Logger | undefined;
  tls: TlsOptions | undefined;
  properties: Record<string, unknown> | undefined;
  clock: Clock | undefined;
  random: () => number;
  mqttFactory: MqttFactory | undefined;
  browserSignals: BrowserSignals | null | undefined;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 'webmqtt_' + 12 random characters. */
export function randomClientId(random: () => number): string {
  let id = 'webmqtt_';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return id;
}

function fail(field: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : ` (got ${describe(got)})`;
  throw new WebMqttError(ErrorCode.INVALID_OPTIONS, `Option "${field}" must be ${expected}${shown}.`, { field });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A misspelt nested option would otherwise be ignored without a word. */
function checkKeys(value: Record<string, unknown>, field: string, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`${field}.${key}`, `one of ${known.join(', ')} (check its spelling)`);
  }
}

function optMethods<T>(value: unknown, field: string, methods: readonly string[], allowNull: boolean): T | null | undefined {
  if (value === undefined) return undefined;
  if (value === null && allowNull) return null;
  if (!isPlainObject(value) && typeof value !== 'object') fail(field, `an object with ${methods.join(', ')}`, value);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)?.[method] !== 'function') fail(`${field}.${method}`, 'a function', (value as Record<string, unknown>)?.[method]);
  }
  return value as T;
}

function optBool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(field, 'true or false', value);
  return value;
}

function optNumber(value: unknown, field: string, fallback: number, min: number, max: number, integer = true): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && !Number.isNaN(value) && value >= min && value <= max && (!integer || Number.isInteger(value) || value === Infinity);
  if (!ok) fail(field, `${integer ? 'an integer' : 'a number'} from ${min} to ${max === Infinity ? 'Infinity' : max}`, value);
  return value as number;
}

function optEnum<T extends string | number>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) fail(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  return value as T;
}

function optFunction<T>(value: unknown, field: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(field, 'a function', value);
  return value as T;
}

function optObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) fail(field, 'an object', value);
  return value;
}

function normalizeUrl(value: unknown): NormalizedOptions['url'] {
  if (typeof value === 'function') return value as () => string | Promise<string>;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!list || list.length === 0) {
    fail('url', 'a ws:// or wss:// URL such as "wss://broker.example.com:8085/mqtt", a non-empty list of them, or a function returning one', value);
  }
  return list.map((entry, i) => {
    const field = list.length > 1 ? `url[${i}]` : 'url';
    if (typeof entry !== 'string') fail(field, 'a string', entry);
    const parsed = parseBrokerUrl(entry);
    if (parsed instanceof WebMqttError) {
      throw new WebMqttError(ErrorCode.INVALID_OPTIONS, parsed.message, { field, cause: parsed });
    }
    return entry;
  });
}

function normalizeAuth(value: unknown, connectTimeoutMs: number): NormalizedAuth | undefined {
  const auth = optObject(value, 'auth');
  if (!auth) return undefined;
  checkKeys(auth, 'auth', ['token', 'placement', 'username', 'queryParam', 'refreshBeforeExpiryMs', 'providerTimeoutMs']);
  const token = auth['token'];
  if (typeof token === 'string') {
    if (token.length === 0) fail('auth.token', 'a non-empty string or a provider function', token);
  } else if (typeof token !== 'function') {
    fail('auth.token', 'a string or a function ({ attempt, reason }) => token', token);
  }
  const username = auth['username'];
  if (username !== undefined && typeof username !== 'string') fail('auth.username', 'a string', username);
  const queryParam = auth['queryParam'] ?? 'access_token';
  if (typeof queryParam !== 'string' || !/^[A-Za-z0-9_.~-]+$/.test(queryParam)) {
    fail('auth.queryParam', 'a query parameter name (letters, digits, "_", "-", ".", "~")', queryParam);
  }
  return {
    token: token as string | TokenProvider,
    placement: optEnum(auth['placement'], 'auth.placement', ['password', 'username', 'query'] as const, 'password'),
    username: username as string | undefined,
    queryParam,
    refreshBeforeExpiryMs: optNumber(auth['refreshBeforeExpiryMs'], 'auth.refreshBeforeExpiryMs', 60_000, 0, 2 ** 31 - 1),
    providerTimeoutMs: optNumber(auth['providerTimeoutMs'], 'auth.providerTimeoutMs', connectTimeoutMs, 1, 2 ** 31 - 1),
  };
}

function normalizeReconnect(value: unknown): BackoffPolicy | false {
  if (value === false) return false;
  if (value === true) value = {};
  const r = optObject(value, 'reconnect') ?? {};
  checkKeys(r, 'reconnect', ['initialDelayMs', 'maxDelayMs', 'factor', 'jitter', 'maxAttempts', 'resetAfterMs']);
  const initialDelayMs = optNumber(r['initialDelayMs'], 'reconnect.initialDelayMs', 1_000, 0, 2 ** 31 - 1);
  const maxDelayMs = optNumber(r['maxDelayMs'], 'reconnect.maxDelayMs', Math.max(30_000, initialDelayMs), 0, 2 ** 31 - 1);
  if (maxDelayMs < initialDelayMs) fail('reconnect.maxDelayMs', `at least reconnect.initialDelayMs (${initialDelayMs})`, maxDelayMs);
  return {
    initialDelayMs,
    maxDelayMs,
    factor: optNumber(r['factor'], 'reconnect.factor', 2, 1, 100, false),
    jitter: optEnum(r['jitter'], 'reconnect.jitter', ['full', 'equal', 'decorrelated', 'none'] as const, 'full'),
    maxAttempts: optNumber(r['maxAttempts'], 'reconnect.maxAttempts', Infinity, 1, Infinity),
    resetAfterMs: optNumber(r['resetAfterMs'], 'reconnect.resetAfterMs', 10_000, 0, 2 ** 31 - 1),
  };
}

function normalizeQueue(value: unknown): QueueLimits | false {
  if (value === false) return false;
  const q = optObject(value, 'offlineQueue') ?? {};
  checkKeys(q, 'offlineQueue', ['maxMessages', 'maxBytes', 'overflow']);
  return {
    maxMessages: optNumber(q['maxMessages'], 'offlineQueue.maxMessages', 1_000, 1, 10_000_000),
    maxBytes: optNumber(q['maxBytes'], 'offlineQueue.maxBytes', 1_048_576, 1, 2 ** 31 - 1),
    overflow: optEnum(q['overflow'], 'offlineQueue.overflow', ['drop-oldest', 'drop-newest', 'reject'] as const, 'drop-oldest'),
  };
}

function normalizeWill(value: unknown): NormalizedWill | undefined {
  const w = optObject(value, 'will');
  if (!w) return undefined;
  checkKeys(w, 'will', ['topic', 'payload', 'qos', 'retain', 'properties']);
  const topicError = validateTopicName(w['topic']);
  if (topicError) throw new WebMqttError(ErrorCode.INVALID_OPTIONS, `Option "will.topic": ${topicError.message}`, { field: 'will.topic', cause: topicError });
  const payload = encodePayload(w['payload'] ?? '');
  if (payload instanceof WebMqttError) fail('will.payload', 'a string or a Uint8Array', w['payload']);
  return {
    topic: w['topic'] as string,
    payload,
    qos: optEnum(w['qos'], 'will.qos', [0, 1, 2] as const, 0),
    retain: optBool(w['retain'], 'will.retain', false),
    properties: optObject(w['properties'], 'will.properties'),
  };
}

function normalizeLogger(value: unknown): Logger | undefined {
  const logger = optObject(value, 'logger');
  if (!logger) return undefined;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] !== 'function') fail(`logger.${level}`, 'a function', logger[level]);
  }
  return logger as unknown as Logger;
}

const KNOWN_KEYS = new Set([
  'url', 'clientId', 'protocolVersion', 'clean', 'sessionExpiryInterval', 'keepalive', 'connectTimeoutMs', 'auth',
  'allowInsecureAuth', 'reconnect', 'offlineQueue', 'will', 'browserEvents', 'logger', 'tls', 'properties', 'clock',
  'random', 'mqttFactory', 'browserSignals',
]);

/**
 * Validates options once, at `createClient()`, and fills defaults.
 * Throws a WebMqttError `INVALID_OPTIONS` naming the option and what was expected.
 */
export function normalizeOptions(input: unknown): NormalizedOptions {
  if (!isPlainObject(input)) fail('options', 'an object such as { url: "wss://broker.example.com:8085/mqtt" }', input);
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) fail(key, `one of the documented options (${[...KNOWN_KEYS].slice(0, 16).join(', ')}); check its spelling`);
  }
  const random = optFunction<() => number>(input['random'], 'random') ?? Math.random;
  const clientId = input['clientId'] ?? randomClientId(random);
  if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 23 * 1000) {
    fail('clientId', 'a non-empty string', clientId);
  }
  const connectTimeoutMs = optNumber(input['connectTimeoutMs'], 'connectTimeoutMs', 10_000, 1, 2 ** 31 - 1);
  const sessionExpiryInterval = input['sessionExpiryInterval'] === undefined
    ? undefined
    : optNumber(input['sessionExpiryInterval'], 'sessionExpiryInterval', 0, 0, 0xffffffff);
  const tls = optObject(input['tls'], 'tls');
  return {
    url: normalizeUrl(input['url']),
    clientId,
    protocolVersion: optEnum(input['protocolVersion'], 'protocolVersion', ['auto', 4, 5] as const, 'auto'),
    clean: optBool(input['clean'], 'clean', true),
    sessionExpiryInterval,
    keepalive: optNumber(input['keepalive'], 'keepalive', 30, 0, 65_535),
    connectTimeoutMs,
    auth: normalizeAuth(input['auth'], connectTimeoutMs),
    allowInsecureAuth: optBool(input['allowInsecureAuth'], 'allowInsecureAuth', false),
    reconnect: normalizeReconnect(input['reconnect']),
    offlineQueue: normalizeQueue(input['offlineQueue']),
    will: normalizeWill(input['will']),
    browserEvents: optBool(input['browserEvents'], 'browserEvents', true),
    logger: normalizeLogger(input['logger']),
    tls: tls as TlsOptions | undefined,
    properties: optObject(input['properties'], 'properties'),
    clock: optMethods<Clock>(input['clock'], 'clock', ['now', 'setTimeout', 'clearTimeout'], false) ?? undefined,
    random,
    mqttFactory: optFunction<MqttFactory>(input['mqttFactory'], 'mqttFactory'),
    browserSignals: optMethods<BrowserSignals>(input['browserSignals'], 'browserSignals', ['isOnline', 'listen'], true),
  };
}
