import { ErrorCode, WebMqttError } from './errors';

const EXAMPLE_URL = 'wss://broker.example.com:8085/mqtt';

/** Schemes of native MQTT clients, which a browser cannot open. */
const NATIVE_MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'mqtt+ssl:'];

/**
 * Query parameter names whose values are credentials, case-insensitively: `access_token`, `id_token`, `token`,
 * `password`, `client_secret` and every other `…token`/`…secret`/`…password` after `_` or `-`; `passwd`, `pwd`,
 * `auth`, `authorization`, `jwt`, `key`, `apikey`/`api_key`/`api-key`, `signature`, `sig`; and `x-amz-*`.
 */
const SECRET_PARAM = /^(?:passwd|pwd|auth|authorization|jwt|key|api[_-]?key|signature|sig|x-amz-[^]*)$|(?:^|[_-])(?:token|secret|password)$/i;

/** Whether a query (or fragment) parameter called `name` carries a credential: {@link SECRET_PARAM} or a name in `extra`. */
function isSecretParam(name: string, extra: readonly string[]): boolean {
  return SECRET_PARAM.test(name) || extra.some((other) => other.toLowerCase() === name.toLowerCase());
}

/**
 * Whether `hostname` (as in `URL.hostname`) names this machine: `localhost`,
 * `*.localhost`, `127.0.0.0/8`, or `::1` (bracketed or not, and as an
 * IPv4-mapped `::ffff:127.x.x.x`). By name only: whether a connection to it
 * stays on this machine depends on who resolves the name (see {@link isLocalTarget}).
 */
export function isLoopbackHost(hostname: string): boolean {
  if (typeof hostname !== 'string') return false;
  let host = hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1); // 'localhost.' is the same name, fully qualified
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isLoopbackLiteral(host);
}

/** A loopback IP literal: 127.0.0.0/8, or ::1 and ::ffff:127.0.0.0/104 (bracketed or not). */
function isLoopbackLiteral(host: string): boolean {
  if (isLoopbackIPv4(host)) return true;
  return host.includes(':') && isLoopbackIPv6(host);
}

function isLoopbackIPv4(host: string): boolean {
  const parts = host.split('.');
  return (
    parts.length === 4 &&
    parts[0] === '127' &&
    parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
  );
}

function isLoopbackIPv6(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  let normalised: string;
  try {
    // The URL parser spells IPv6 canonically (zero compression, hex mapped IPv4), which is all we compare against.
    normalised = new URL(`http://[${bare}]/`).hostname;
  } catch {
    return false;
  }
  if (normalised === '[::1]') return true;
  // ::ffff:127.0.0.0/104, written by the parser as ::ffff:7fxx:xxxx
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normalised);
}

/**
 * Whether a socket to `hostname` certainly stays on this machine, so credentials may go there over
 * plain `ws://`. Browsers answer `localhost`, `*.localhost` and `localhost.` with loopback themselves
 * (`browserResolves`, see {@link resolvesLocalhostItself}); elsewhere (Node.js, jsdom, React Native) only
 * `localhost` and loopback IP literals count: the other names go to the resolver, and DNS may answer
 * `evil.localhost` with any address.
 */
export function isLocalTarget(hostname: string, browserResolves: boolean): boolean {
  if (typeof hostname !== 'string') return false;
  if (browserResolves) return isLoopbackHost(hostname);
  const host = hostname.toLowerCase();
  return host === 'localhost' || isLoopbackLiteral(host);
}

/**
 * True in a browser page or worker, whose own resolver answers `*.localhost` with loopback; false
 * in Node.js and in DOM emulations running on it (jsdom, happy-dom: `process.versions.node`), where
 * the name goes to the system resolver. Read at call time: importing webmqtt touches no global.
 */
export function resolvesLocalhostItself(): boolean {
  const g = globalThis as { document?: unknown; process?: { versions?: { node?: unknown } }; WorkerGlobalScope?: unknown };
  return !g.process?.versions?.node && (g.document !== undefined || g.WorkerGlobalScope !== undefined);
}

/**
 * The credentials `url` itself carries, by kind, never by value: its userinfo, and each query parameter whose
 * name looks like a credential (`access_token`, `password`, `key`, …, or a name in `extra`). Empty when none.
 *
 * @example
 * ```ts
 * urlCredentials(new URL('ws://dev:pw@b.example/mqtt?access_token=x&v=1')); // ['userinfo', 'query parameter "access_token"']
 * ```
 */
export function urlCredentials(url: URL, extra: readonly string[] = []): string[] {
  const found = url.username || url.password ? ['userinfo'] : [];
  for (const name of new Set(url.searchParams.keys())) if (isSecretParam(name, extra)) found.push(`query parameter ${JSON.stringify(name.slice(0, 40))}`);
  return found;
}

function invalidUrl(message: string): WebMqttError {
  return new WebMqttError(ErrorCode.INVALID_OPTIONS, message, { field: 'url', retryable: false });
}

/**
 * A raw string that may not parse as a URL, shown without anything that could
 * be a credential: the userinfo and the query and fragment are cut.
 */
function describeRaw(raw: string): string {
  let text = raw.trim();
  const cut = text.search(/[?#]/);
  if (cut >= 0) text = `${text.slice(0, cut)}?…`;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    // Unparseable, so the authority cannot be told apart reliably: hide everything up to the last '@'.
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
    text = `${scheme}REDACTED${text.slice(at)}`;
  }
  if (text.length > 100) text = `${text.slice(0, 100)}…`;
  return JSON.stringify(text);
}

/**
 * Parses a broker URL and checks that a browser can open a WebSocket to it:
 * `ws:` or `wss:`, a host, a usable port, no fragment. Returns the parsed `URL`,
 * or a `WebMqttError` (`INVALID_OPTIONS`, field `'url'`) whose message says
 * what to write instead. Credentials in the URL never appear in the message.
 *
 * @example
 * ```ts
 * const url = parseBrokerUrl('wss://broker.example.com:8085/mqtt');
 * if (url instanceof WebMqttError) throw url;
 * ```
 */
export function parseBrokerUrl(raw: string): URL | WebMqttError {
  if (typeof raw !== 'string') {
    return invalidUrl(`The broker URL must be a string such as "${EXAMPLE_URL}", got ${raw === null ? 'null' : typeof raw}.`);
  }
  if (raw.trim().length === 0) {
    return invalidUrl(`The broker URL is empty; pass a ws:// or wss:// URL such as "${EXAMPLE_URL}".`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    const port = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(raw.trim())?.[1];
    const hint = !/^[a-z][a-z0-9+.-]*:/i.test(raw.trim())
      ? ' (it needs a scheme: ws:// or wss://)'
      : port !== undefined && Number(port) > 65_535
        ? ` (port ${port} is out of range: 1-65535)`
        : '';
    return invalidUrl(
      `The broker URL ${describeRaw(raw)} is not a valid absolute URL${hint}; use a URL such as "${EXAMPLE_URL}".`,
    );
  }
  const shown = JSON.stringify(redactUrl(url.href));
  if (NATIVE_MQTT_SCHEMES.includes(url.protocol)) {
    return invalidUrl(
      `The broker URL ${shown} uses ${url.protocol}//, which browsers cannot open: they reach MQTT only over WebSocket. ` +
        `Use ws:// or wss:// and the broker's WebSocket port and path, e.g. "${EXAMPLE_URL}".`,
    );
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const scheme = url.protocol === 'https:' ? 'wss' : 'ws';
    return invalidUrl(
      `The broker URL ${shown} uses ${url.protocol}//; MQTT runs over WebSocket, so use ${scheme}:// instead, e.g. "${EXAMPLE_URL}".`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return invalidUrl(`The broker URL ${shown} uses ${url.protocol}//; use ws:// or wss://, e.g. "${EXAMPLE_URL}".`);
  }
  if (url.hostname.length === 0) {
    return invalidUrl(`The broker URL ${shown} has no host; use a URL such as "${EXAMPLE_URL}".`);
  }
  if (url.port === '0') {
    return invalidUrl(`The broker URL ${shown} has port 0, which cannot be connected to; use the broker's WebSocket port, e.g. "${EXAMPLE_URL}".`);
  }
  if (url.hash !== '' || raw.includes('#')) {
    // WebSocket constructors in several browsers throw on a fragment; it would never reach the broker anyway.
    return invalidUrl(`The broker URL ${shown} has a #fragment, which WebSocket does not allow; remove everything from '#'.`);
  }
  return url;
}

/**
 * Returns `url` with query parameter `name` set to `value` (both
 * percent-encoded). Any existing parameter of that name is replaced in place;
 * the rest of the query and the fragment are kept byte for byte.
 *
 * @example
 * ```ts
 * withQueryParam('wss://b.example/mqtt?v=1#x', 'access_token', 'a b'); // 'wss://b.example/mqtt?v=1&access_token=a%20b#x'
 * ```
 */
export function withQueryParam(url: string, name: string, value: string): string {
  const [base, query = '', hash] = splitUrl(url);
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  const parts: string[] = [];
  let replaced = false;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (paramName(part) === name) {
      if (!replaced) parts.push(pair);
      replaced = true;
    } else parts.push(part);
  }
  if (!replaced) parts.push(pair);
  return `${base}?${parts.join('&')}${hash === undefined ? '' : `#${hash}`}`;
}

/** `url` as [what precedes the query, the query, the fragment]: cut at the first '#' and the first '?' before it. */
function splitUrl(url: string): [string, string | undefined, string | undefined] {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  return [
    queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt),
    queryAt < 0 ? undefined : beforeHash.slice(queryAt + 1),
    hashAt < 0 ? undefined : url.slice(hashAt + 1),
  ];
}

/** The decoded name of a `name=value` query part; the raw text if it is not valid percent-encoding. */
function paramName(part: string): string {
  const eq = part.indexOf('=');
  const raw = (eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * `url` safe for logs, errors and events: the userinfo and the values of
 * query (and fragment) parameters that look like credentials are replaced by
 * `REDACTED`. Credential names are `access_token`, `token`, `password`,
 * `auth`, `jwt`, `key`, `signature`, `x-amz-*` and similar, plus any name in
 * `extra` (e.g. the configured `auth.queryParam`), case-insensitively.
 * Works on strings that do not parse as URLs too.
 *
 * @example
 * ```ts
 * redactUrl('wss://user:pw@b.example/mqtt?access_token=eyJ...&v=1');
 * // 'wss://REDACTED@b.example/mqtt?access_token=REDACTED&v=1'
 * ```
 */
export function redactUrl(url: string, extra: readonly string[] = []): string {
  if (typeof url !== 'string') return '';
  const isSecret = (name: string): boolean => isSecretParam(name, extra);
  const redactParams = (params: string): string =>
    params
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        return eq >= 0 && isSecret(paramName(part)) ? `${part.slice(0, eq)}=REDACTED` : part;
      })
      .join('&');

  let [rest, query, hash] = splitUrl(url);
  // Userinfo: everything before the last '@' of the authority (a password may itself contain '@').
  const authority = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)/i.exec(rest);
  if (authority) {
    const at = authority[2]!.lastIndexOf('@');
    if (at >= 0) rest = `${authority[1]}REDACTED${rest.slice(authority[1]!.length + at)}`;
  }
  if (query !== undefined) query = redactParams(query);
  // OAuth implicit flow and similar put tokens in the fragment as parameters.
  if (hash?.includes('=')) hash = redactParams(hash);
  return `${rest}${query === undefined ? '' : `?${query}`}${hash === undefined ? '' : `#${hash}`}`;
}
