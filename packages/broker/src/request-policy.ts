import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { invalidOption } from './errors.js';

/**
 * Host names a request may always name in its `Host` header, with any port. A DNS-rebinding page
 * reaches a local server under the attacker's own name, so any other name is refused.
 */
export const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'] as const;

/** Origins (`scheme://host:port`, port `*` = any) allowed by default: pages served from a loopback name. */
export const LOOPBACK_ORIGINS: readonly string[] = LOOPBACK_HOSTNAMES.flatMap((name) => [`http://${name}:*`, `https://${name}:*`]);

/** Options of {@link createRequestPolicy}. */
export interface RequestPolicyOptions {
  /** The interface the server listens on; its name is allowed in `Host`. A wildcard (`0.0.0.0`, `::`) allows every IP address. */
  host: string;
  /**
   * Origins of web pages allowed besides {@link LOOPBACK_ORIGINS}: `http://192.168.1.5:5173`,
   * `https://dev.example:*` (any port), or `*` for every origin (turns the check off).
   */
  allowedOrigins?: readonly string[];
  /** Host names allowed in `Host` besides the loopback names and `host`, e.g. `devbox.local`. */
  allowedHosts?: readonly string[];
}

/** Why a request was refused; `reason` is safe to send back and to log. */
export interface Refusal {
  status: 403;
  reason: 'host not allowed' | 'origin not allowed';
}

/**
 * Decides which requests a local development server answers: its `Host` must be a loopback
 * name, the configured host or an allowed one (against DNS rebinding), and its `Origin`, when
 * there is one, an allowed origin (against pages on other sites). Requests without `Origin` come
 * from Node, curl or a navigation, not from another page's script, and pass the origin check.
 */
export interface RequestPolicy {
  /** True when `host` (a `Host` header, port included) names this server. */
  hostAllowed(host: string | undefined): boolean;
  /** True when `origin` (an `Origin` header) is absent or allowed. */
  originAllowed(origin: string | undefined): boolean;
  /** The first of the two checks a request fails, or undefined when it passes both. */
  refusal(headers: IncomingHttpHeaders): Refusal | undefined;
}

interface OriginPattern {
  scheme: string;
  hostname: string;
  /** `''` for the scheme's default port, `'*'` for any. */
  port: string;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };
// scheme://hostname[:port]; IPv6 literals in brackets. An Origin header has exactly this shape.
const ORIGIN_SHAPE = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}|\*))?$/i;

/**
 * Validates the options once and returns the checks; a malformed origin throws
 * `INVALID_OPTIONS` naming `allowedOrigins[i]`.
 *
 * @example
 * ```ts
 * const policy = createRequestPolicy({ host: '127.0.0.1', allowedOrigins: ['http://192.168.1.5:5173'] });
 * if (policy.refusal(req.headers)) res.writeHead(403).end();
 * ```
 */
export function createRequestPolicy(options: RequestPolicyOptions): RequestPolicy {
  const listed = options.allowedOrigins ?? [];
  if (!Array.isArray(listed)) invalidOption('allowedOrigins', 'an array of origins like "http://192.168.1.5:5173"');
  const anyOrigin = listed.includes('*');
  const extra = listed.flatMap((origin, i) => {
    if (origin === '*') return [];
    const pattern = typeof origin === 'string' ? parseOrigin(origin) : undefined;
    if (pattern === undefined) {
      invalidOption(`allowedOrigins[${i}]`, `an origin like "http://192.168.1.5:5173" or "https://dev.example:*", or "*"; got ${JSON.stringify(origin)}`);
    }
    return [pattern];
  });
  const patterns = [...LOOPBACK_ORIGINS.map((origin) => parseOrigin(origin)!), ...extra];

  const hosts = options.allowedHosts ?? [];
  if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string' || h === '')) {
    invalidOption('allowedHosts', 'an array of host names like "devbox.local"');
  }
  const names = new Set<string>([...LOOPBACK_HOSTNAMES, ...hosts.map(canonicalHostname)]);
  const wildcard = WILDCARD_HOSTS.has(options.host);
  if (!wildcard) names.add(canonicalHostname(options.host));

  const hostAllowed = (host: string | undefined): boolean => {
    const name = host === undefined ? undefined : hostnameOf(host);
    if (name === undefined) return false;
    // Rebinding needs a DNS name: an IP literal always reaches the interface it names.
    return names.has(name) || (wildcard && isIP(name.replace(/^\[|\]$/g, '')) !== 0);
  };
  const originAllowed = (origin: string | undefined): boolean => {
    if (origin === undefined || anyOrigin) return true;
    const parsed = parseOrigin(origin);
    if (parsed === undefined || parsed.port === '*') return false;
    return patterns.some(
      (p) => p.scheme === parsed.scheme && p.hostname === parsed.hostname && (p.port === '*' || p.port === parsed.port),
    );
  };
  return {
    hostAllowed,
    originAllowed,
    refusal(headers) {
      if (!hostAllowed(headers.host)) return { status: 403, reason: 'host not allowed' };
      if (!originAllowed(headers.origin)) return { status: 403, reason: 'origin not allowed' };
      return undefined;
    },
  };
}

function parseOrigin(origin: string): OriginPattern | undefined {
  const match = ORIGIN_SHAPE.exec(origin.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const port = match[3] ?? '';
  return { scheme, hostname: match[2]!.toLowerCase(), port: port === DEFAULT_PORTS[scheme] ? '' : port };
}

/** The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), lower case; undefined when malformed. */
function hostnameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(host.trim());
  return match ? canonicalHostname(match[1]!) : undefined;
}

/** Lower case, no trailing dot, IPv6 literals in brackets (as they appear in `Host`). */
function canonicalHostname(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  return isIP(lower) === 6 ? `[${lower}]` : lower;
}
