import { normalizeAuthOptions, type AuthOptions, type NormalizedAuth } from './auth.js';
import { invalidOption } from './errors.js';
import { normalizeLogger, type FullLogger, type Logger } from './logger.js';
import { createRequestPolicy, type RequestPolicy } from './request-policy.js';
import { defaultCertDir } from './tls-cert.js';

/** TLS material for the WSS listener. Without it a cached self-signed `localhost` certificate is used. */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificate(s) that client certificates must be signed by (mTLS). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask clients for a certificate (mTLS). Needs `ca`. */
  requestCert?: boolean;
  /** Refuse clients whose certificate is missing or not signed by `ca`. Default true when `requestCert`. */
  rejectUnauthorized?: boolean;
}

/** Options of {@link startBroker}. Every field is optional. */
export interface BrokerOptions {
  /** Port of the plain WebSocket listener; 0 picks a free one. Default 8084. */
  wsPort?: number;
  /** Port of the TLS WebSocket listener; 0 picks a free one, `false` turns WSS off. Default 8085. */
  wssPort?: number | false;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Who may connect; see {@link AuthOptions}. Default: JWT HS256 with a random secret. */
  auth?: AuthOptions;
  /** Certificate for WSS; default a self-signed one cached in `certDir`. */
  tls?: TlsOptions;
  /** Where the self-signed certificate is cached. Default `$WEBMQTT_CERT_DIR` or `~/.webmqtt/certs`. */
  certDir?: string;
  /** Largest WebSocket message accepted, in bytes; a bigger one closes that connection. Default 1 MiB. */
  maxPacketSize?: number;
  /** Serve `POST /__webmqtt/drop` and `GET /__webmqtt/health` on the listeners. Default false. */
  controlEndpoints?: boolean;
  /**
   * Origins of web pages that may open WebSockets and call the control endpoints, besides pages on
   * `localhost`, `127.0.0.1` and `[::1]` (any port, which are always allowed): `http://192.168.1.5:5173`,
   * `https://dev.example:*` (any port), or `'*'` for every origin (turns the check off). Clients
   * that send no `Origin` header (Node, command-line tools) are not affected.
   */
  allowedOrigins?: readonly string[];
  /**
   * Host names requests may be addressed to (their `Host` header), besides `localhost`,
   * `127.0.0.1`, `[::1]` and `host`; anything else is refused, against DNS rebinding. With a
   * wildcard `host` (`0.0.0.0`), every IP address is allowed too.
   */
  allowedHosts?: readonly string[];
  /** Where to report what happens. Default: silent. */
  logger?: Logger;
}

/** {@link BrokerOptions} after validation, with defaults applied. */
export interface NormalizedOptions {
  wsPort: number;
  wssPort: number | false;
  host: string;
  auth: NormalizedAuth;
  tls: TlsOptions | undefined;
  certDir: string;
  maxPacketSize: number;
  controlEndpoints: boolean;
  /** The Host and Origin checks every HTTP request and WebSocket upgrade goes through. */
  requestPolicy: RequestPolicy;
  logger: FullLogger;
}

/** Default ports and limits. */
export const DEFAULTS = {
  wsPort: 8084,
  wssPort: 8085,
  host: '127.0.0.1',
  maxPacketSize: 1024 * 1024,
} as const;

/** Validates the options once; the rest of the broker only sees the normalised shape. */
export function normalizeOptions(options: BrokerOptions = {}, env: NodeJS.ProcessEnv = process.env): NormalizedOptions {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object');
  const wsPort = options.wsPort ?? DEFAULTS.wsPort;
  if (!isPort(wsPort)) invalidOption('wsPort', 'an integer from 0 to 65535');
  const wssPort = options.wssPort ?? DEFAULTS.wssPort;
  if (wssPort !== false && !isPort(wssPort)) invalidOption('wssPort', 'an integer from 0 to 65535, or false');
  const host = options.host ?? DEFAULTS.host;
  if (typeof host !== 'string' || host === '') invalidOption('host', 'a non-empty string');
  const maxPacketSize = options.maxPacketSize ?? DEFAULTS.maxPacketSize;
  if (!Number.isInteger(maxPacketSize) || maxPacketSize < 2) invalidOption('maxPacketSize', 'an integer number of bytes >= 2');
  const certDir = options.certDir ?? defaultCertDir(env);
  if (typeof certDir !== 'string' || certDir === '') invalidOption('certDir', 'a directory path');
  return {
    wsPort,
    wssPort,
    host,
    auth: normalizeAuthOptions(options.auth),
    tls: normalizeTls(options.tls),
    certDir,
    maxPacketSize,
    controlEndpoints: options.controlEndpoints === true,
    requestPolicy: createRequestPolicy({ host, allowedOrigins: options.allowedOrigins, allowedHosts: options.allowedHosts }),
    logger: normalizeLogger(options.logger),
  };
}

function normalizeTls(tls: TlsOptions | undefined): TlsOptions | undefined {
  if (tls === undefined) return undefined;
  if (typeof tls !== 'object' || tls === null) invalidOption('tls', 'an object with key and cert');
  if (!isPem(tls.key)) invalidOption('tls.key', 'a PEM private key (string or Buffer)');
  if (!isPem(tls.cert)) invalidOption('tls.cert', 'a PEM certificate (string or Buffer)');
  if (tls.requestCert === true && tls.ca === undefined) invalidOption('tls.ca', 'given when tls.requestCert is true');
  return { ...tls, rejectUnauthorized: tls.rejectUnauthorized ?? tls.requestCert === true };
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535;
}

function isPem(value: unknown): boolean {
  return (typeof value === 'string' && value.length > 0) || (Buffer.isBuffer(value) && value.length > 0);
}
