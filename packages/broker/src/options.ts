import { normalizeAuthOptions, type AuthOptions, type NormalizedAuth } from './auth.js';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { normalizeLogger, type FullLogger, type Logger } from './logger.js';
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
  if (typeof options !== 'object' || options === null) invalid('options', 'an object');
  const wsPort = options.wsPort ?? DEFAULTS.wsPort;
  if (!isPort(wsPort)) invalid('wsPort', 'an integer from 0 to 65535');
  const wssPort = options.wssPort ?? DEFAULTS.wssPort;
  if (wssPort !== false && !isPort(wssPort)) invalid('wssPort', 'an integer from 0 to 65535, or false');
  const host = options.host ?? DEFAULTS.host;
  if (typeof host !== 'string' || host === '') invalid('host', 'a non-empty string');
  const maxPacketSize = options.maxPacketSize ?? DEFAULTS.maxPacketSize;
  if (!Number.isInteger(maxPacketSize) || maxPacketSize < 2) invalid('maxPacketSize', 'an integer number of bytes >= 2');
  const certDir = options.certDir ?? defaultCertDir(env);
  if (typeof certDir !== 'string' || certDir === '') invalid('certDir', 'a directory path');
  return {
    wsPort,
    wssPort,
    host,
    auth: normalizeAuthOptions(options.auth),
    tls: normalizeTls(options.tls),
    certDir,
    maxPacketSize,
    controlEndpoints: options.controlEndpoints === true,
    logger: normalizeLogger(options.logger),
  };
}

function normalizeTls(tls: TlsOptions | undefined): TlsOptions | undefined {
  if (tls === undefined) return undefined;
  if (typeof tls !== 'object' || tls === null) invalid('tls', 'an object with key and cert');
  if (!isPem(tls.key)) invalid('tls.key', 'a PEM private key (string or Buffer)');
  if (!isPem(tls.cert)) invalid('tls.cert', 'a PEM certificate (string or Buffer)');
  if (tls.requestCert === true && tls.ca === undefined) invalid('tls.ca', 'given when tls.requestCert is true');
  return { ...tls, rejectUnauthorized: tls.rejectUnauthorized ?? tls.requestCert === true };
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535;
}

function isPem(value: unknown): boolean {
  return (typeof value === 'string' && value.length > 0) || (Buffer.isBuffer(value) && value.length > 0);
}

function invalid(field: string, expected: string): never {
  throw new BrokerError(BrokerErrorCode.INVALID_OPTIONS, `${field} must be ${expected}`, { field });
}
