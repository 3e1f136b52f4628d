import { ErrorCode, WebMqttError } from '../core/errors';
import type { NormalizedOptions } from '../core/options';
import { isLocalTarget, parseBrokerUrl, redactUrl, resolvesLocalhostItself, urlCredentials } from '../core/url';

/**
 * Which broker URL the next attempt uses: the configured one, the next node of a cluster list
 * (round robin), what a `url` function returns, or — once — a node the broker redirected us to.
 */
export class BrokerUrls {
  // #private: the URLs may carry credentials (userinfo, a token in the query), and an inspector or
  // serializer walking the client must not reach them.
  #index = 0;
  #redirect: string | undefined;
  readonly #source: NormalizedOptions['url'];

  constructor(source: NormalizedOptions['url']) {
    this.#source = source;
  }

  /** The next attempt goes here instead of the next node in rotation (a Server Reference, a retry of the same node). */
  redirectTo(url: string | undefined): void {
    this.#redirect = url;
  }

  /**
   * The next attempt goes to the server a broker named (a Server Reference, read against `from`, the URL in use),
   * unless the credentials must not go there (plain ws:// to another machine): then false, and the configured URLs
   * are kept rather than the client failed. A reference that cannot be followed at all is ignored.
   */
  follow(reference: string, from: string, opts: Parameters<typeof checkTransport>[1]): boolean {
    const url = resolveServerReference(reference, from);
    if (url === undefined) return true;
    try {
      checkTransport(url, opts);
    } catch {
      return false;
    }
    this.#redirect = url;
    return true;
  }

  async next(): Promise<string> {
    if (this.#redirect) {
      const url = this.#redirect;
      this.#redirect = undefined;
      return url;
    }
    const source = this.#source;
    if (typeof source === 'function') return callUrlFunction(source);
    const url = source[this.#index % source.length] as string;
    this.#index = (this.#index + 1) % source.length;
    return url;
  }
}

async function callUrlFunction(source: () => string | Promise<string>): Promise<string> {
  let value: unknown;
  try {
    value = await source();
  } catch (error) {
    throw new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'The url function failed; the next attempt will call it again (see cause).', { cause: error, field: 'url' });
  }
  const parsed = typeof value === 'string' ? parseBrokerUrl(value) : undefined;
  if (!parsed || parsed instanceof WebMqttError) {
    throw new WebMqttError(ErrorCode.INVALID_OPTIONS, `The url function must return a ws:// or wss:// URL (got ${typeof value === 'string' ? JSON.stringify(redactUrl(value)) : typeof value}).`, { field: 'url', retryable: false });
  }
  return value as string;
}

/**
 * Every credential an attempt to `url` would carry, by kind: what the URL holds (userinfo, credential-looking
 * query parameters), the token (`auth`) and MQTT 5 enhanced-auth data (`properties.authenticationData`).
 */
export function attemptCredentials(url: URL, opts: Pick<NormalizedOptions, 'auth' | 'properties' | 'password'>): string[] {
  const found = urlCredentials(url, opts.auth ? [opts.auth.queryParam] : []);
  if (opts.auth) found.push('auth.token');
  if (opts.password !== undefined) found.push('password');
  if (opts.properties?.['authenticationData'] !== undefined) found.push('properties.authenticationData');
  return found;
}

/**
 * Credentials go over plain ws:// only to this machine, unless the user said otherwise (allowInsecureAuth): every
 * credential an attempt carries, not only a token. Throws INSECURE_TRANSPORT naming what would have been sent
 * (never its value) before anything is. `browserResolves`: see {@link isLocalTarget}.
 */
export function checkTransport(
  url: string,
  opts: Pick<NormalizedOptions, 'auth' | 'properties' | 'password' | 'allowInsecureAuth'>,
  browserResolves = resolvesLocalhostItself(),
): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'ws:' || opts.allowInsecureAuth || isLocalTarget(parsed.hostname, browserResolves)) return;
  const credentials = attemptCredentials(parsed, opts);
  if (credentials.length === 0) return;
  throw new WebMqttError(
    ErrorCode.INSECURE_TRANSPORT,
    `Refusing to send credentials (${credentials.join(', ')}) over unencrypted ws:// to ${parsed.host}; use wss:// (or allowInsecureAuth: true for a trusted network).`,
    { retryable: false, field: 'url' },
  );
}

/**
 * An MQTT 5 Server Reference may be a bare host[:port]: keep the scheme and path of the URL in use.
 * A reference a browser cannot follow (another scheme such as mqtt://, a path without a host) or
 * one that would drop TLS (ws:// while on wss://) is ignored: undefined. Pure.
 */
export function resolveServerReference(reference: string, currentUrl: string): string | undefined {
  const first = reference.trim().split(/[\s,]+/)[0] ?? '';
  try {
    if (/^wss?:\/\//i.test(first)) {
      const url = new URL(first);
      // A broker may move the client, not strip its TLS: wss:// never becomes ws://.
      return url.protocol === 'ws:' && new URL(currentUrl).protocol === 'wss:' ? undefined : url.toString();
    }
    // Anything else with a scheme, credentials, a path or a query is not a bare host[:port].
    if (first === '' || /^[a-z][a-z\d+.-]*:\/\//i.test(first) || /[/?#@]/.test(first)) return undefined;
    const current = new URL(currentUrl);
    return new URL(`${current.protocol}//${first}${current.pathname}`).toString();
  } catch {
    return undefined;
  }
}
