import { ErrorCode, WebMqttError } from './errors';
import type { NormalizedOptions } from './options';
import { isLoopbackHost, parseBrokerUrl, redactUrl } from './url';

/**
 * Which broker URL the next attempt uses: the configured one, the next node of a cluster list
 * (round robin), what a `url` function returns, or — once — a node the broker redirected us to.
 */
export class BrokerUrls {
  private index = 0;
  private redirect: string | undefined;

  constructor(private readonly source: NormalizedOptions['url']) {}

  /** The next attempt goes here instead of the next node in rotation (a Server Reference, a retry of the same node). */
  redirectTo(url: string | undefined): void {
    this.redirect = url;
  }

  async next(): Promise<string> {
    if (this.redirect) {
      const url = this.redirect;
      this.redirect = undefined;
      return url;
    }
    const source = this.source;
    if (typeof source === 'function') return callUrlFunction(source);
    const url = source[this.index % source.length] as string;
    this.index = (this.index + 1) % source.length;
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

/** A token goes over plain ws:// only to this machine, unless the user said otherwise. */
export function checkTransport(url: string, allowInsecureAuth: boolean): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:' && !allowInsecureAuth && !isLoopbackHost(parsed.hostname)) {
    throw new WebMqttError(
      ErrorCode.INSECURE_TRANSPORT,
      `Refusing to send a token over unencrypted ws:// to ${parsed.host}; use wss:// (or allowInsecureAuth: true for a trusted network).`,
      { retryable: false, field: 'url' },
    );
  }
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
