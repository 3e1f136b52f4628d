import { parseArgs } from 'node:util';
import { isBrokerError } from './errors.js';
import { DEFAULTS } from './options.js';
import { createRequestPolicy } from './request-policy.js';
import { MIN_SECRET_BYTES } from './tokens.js';

/** What the command line asks for, before any file is read or secret generated. */
export interface CliSettings {
  wsPort: number;
  /** `false` when `--no-wss` was given. */
  wssPort: number | false;
  host: string;
  /** HS256 secret from `--secret` / `WEBMQTT_JWT_SECRET`; undefined means "read secretFile" or "generate one". */
  secret: string | undefined;
  /** File holding the HS256 secret (`--secret-file`), read when the broker starts. */
  secretFile: string | undefined;
  /** Where the secret came from, as the user wrote it (for messages); undefined when it is generated. */
  secretSource: string | undefined;
  jwksFile: string | undefined;
  anonymous: boolean;
  certFile: string | undefined;
  keyFile: string | undefined;
  certDir: string | undefined;
  /** Lifetime of the printed dev token, in seconds. */
  tokenTtlSeconds: number;
  /** Origins of pages allowed besides the loopback ones (`--allow-origin` / `WEBMQTT_ALLOWED_ORIGINS`). */
  allowedOrigins: string[];
  /** Host names allowed besides the loopback ones and `host` (`--allow-host` / `WEBMQTT_ALLOWED_HOSTS`). */
  allowedHosts: string[];
  verbose: boolean;
}

/** The outcome of {@link parseCliArgs}. */
export type CliParseResult =
  | { kind: 'run'; settings: CliSettings; warnings: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

/** Environment variables the CLI reads. */
export const CLI_ENV = {
  wsPort: 'WEBMQTT_WS_PORT',
  wssPort: 'WEBMQTT_WSS_PORT',
  secret: 'WEBMQTT_JWT_SECRET',
  certDir: 'WEBMQTT_CERT_DIR',
  allowedOrigins: 'WEBMQTT_ALLOWED_ORIGINS',
  allowedHosts: 'WEBMQTT_ALLOWED_HOSTS',
} as const;

/** Printed when the secret is given with `--secret`. */
export const SECRET_FLAG_WARNING = `warning: --secret is visible to other users in the process list (ps); put the secret in a file for --secret-file, or in ${CLI_ENV.secret}`;

const DEFAULT_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Usage text of `webmqtt-broker --help`. */
export const USAGE = `Usage: webmqtt-broker [options]

A development MQTT 3.1.1 broker over WebSocket (path /mqtt) with JWT auth.

Options:
  --ws-port <port>      WebSocket port (env ${CLI_ENV.wsPort}, default ${DEFAULTS.wsPort}; 0 = any free port)
  --wss-port <port>     WSS port (env ${CLI_ENV.wssPort}, default ${DEFAULTS.wssPort}; 0 = any free port)
  --no-wss              do not serve WSS
  --host <address>      interface to listen on (default ${DEFAULTS.host})
  --secret-file <path>  file holding the HS256 secret clients' tokens are signed with (at least
                        ${MIN_SECRET_BYTES} bytes; env ${CLI_ENV.secret} works too; default: a random secret for
                        this process). Make one: openssl rand -base64 32 > secret
  --secret <secret>     the same secret on the command line: works, but is visible in \`ps\` to
                        every user of the machine; prefer --secret-file or ${CLI_ENV.secret}
  --jwks-file <path>    also accept RS256/ES256 tokens verified with this JSON Web Key Set
  --anonymous           let clients connect without a token (a given token is still checked)
  --cert <path>         PEM certificate for WSS (with --key; default: a cached self-signed
                        certificate for localhost in $${CLI_ENV.certDir} or ~/.webmqtt/certs)
  --key <path>          PEM private key for WSS
  --cert-dir <path>     where the self-signed certificate is cached
  --token-ttl <time>    lifetime of the printed dev token: seconds, or 30m, 12h, 7d (default 24h)
  --allow-origin <origin>
                        also let pages from this origin open WebSockets and call the control
                        endpoints, e.g. http://192.168.1.5:5173 or https://dev.example:* (any
                        port); repeatable; "*" allows every origin (env ${CLI_ENV.allowedOrigins},
                        comma-separated). Pages on localhost, 127.0.0.1 and [::1] are always
                        allowed; clients that send no Origin (Node, tools) are not checked
  --allow-host <name>   also answer requests addressed to this host name (the Host header), e.g.
                        devbox.local; repeatable (env ${CLI_ENV.allowedHosts}, comma-separated).
                        Others are refused, against DNS rebinding
  --verbose             log connections and refusals (never tokens)
  -h, --help            show this text
`;

/**
 * Turns `argv` (without `node` and the script) and the environment into settings, or a usage error.
 * Pure: reads no file, touches no global.
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliParseResult {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'ws-port': { type: 'string' },
        'wss-port': { type: 'string' },
        'no-wss': { type: 'boolean' },
        host: { type: 'string' },
        secret: { type: 'string' },
        'secret-file': { type: 'string' },
        'jwks-file': { type: 'string' },
        anonymous: { type: 'boolean' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'cert-dir': { type: 'string' },
        'token-ttl': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help', text: USAGE };

  const str = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const wsPort = parsePort(str('ws-port') ?? env[CLI_ENV.wsPort], '--ws-port', CLI_ENV.wsPort, DEFAULTS.wsPort);
  if (typeof wsPort === 'string') return { kind: 'error', message: wsPort };
  let wssPort: number | false = false;
  if (!values['no-wss']) {
    const port = parsePort(str('wss-port') ?? env[CLI_ENV.wssPort], '--wss-port', CLI_ENV.wssPort, DEFAULTS.wssPort);
    if (typeof port === 'string') return { kind: 'error', message: port };
    wssPort = port;
  }
  const certFile = str('cert');
  const keyFile = str('key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    return { kind: 'error', message: '--cert and --key must be given together' };
  }
  if (values['no-wss'] && certFile !== undefined) {
    return { kind: 'error', message: '--cert/--key make no sense with --no-wss' };
  }
  const ttl = parseDuration(str('token-ttl'));
  if (ttl === undefined) {
    return { kind: 'error', message: '--token-ttl must be a positive number of seconds, or like 30m, 12h, 7d' };
  }
  const secretFlag = str('secret');
  const secretFile = str('secret-file');
  if (secretFlag !== undefined && secretFile !== undefined) {
    return { kind: 'error', message: '--secret and --secret-file cannot be given together' };
  }
  if (secretFlag === '') return { kind: 'error', message: '--secret must not be empty' };
  if (secretFile === '') return { kind: 'error', message: '--secret-file must not be empty' };
  // A file wins over the environment, so the secret never has to be unset to use one.
  const secret = secretFile === undefined ? secretFlag ?? (env[CLI_ENV.secret] || undefined) : undefined;
  const secretSource =
    secretFile !== undefined ? `--secret-file ${secretFile}` : secretFlag !== undefined ? '--secret' : secret !== undefined ? CLI_ENV.secret : undefined;
  const host = str('host') ?? DEFAULTS.host;
  if (host === '') return { kind: 'error', message: '--host must not be empty' };
  const allowedOrigins = list(values['allow-origin'], env[CLI_ENV.allowedOrigins]);
  const allowedHosts = list(values['allow-host'], env[CLI_ENV.allowedHosts]);
  try {
    createRequestPolicy({ host, allowedOrigins, allowedHosts });
  } catch (error) {
    if (!isBrokerError(error)) throw error;
    const flag = error.field?.startsWith('allowedOrigins')
      ? `--allow-origin (or ${CLI_ENV.allowedOrigins})`
      : `--allow-host (or ${CLI_ENV.allowedHosts})`;
    return { kind: 'error', message: error.message.replace(/^\S+/, flag) };
  }

  return {
    kind: 'run',
    warnings: secretFlag === undefined ? [] : [SECRET_FLAG_WARNING],
    settings: {
      wsPort,
      wssPort,
      host,
      secret,
      secretFile,
      secretSource,
      jwksFile: str('jwks-file'),
      anonymous: values.anonymous === true,
      certFile,
      keyFile,
      certDir: str('cert-dir') ?? (env[CLI_ENV.certDir] || undefined),
      tokenTtlSeconds: ttl,
      allowedOrigins,
      allowedHosts,
      verbose: values.verbose === true,
    },
  };
}

/** Repeated flag values, else a comma-separated environment variable; blanks dropped. */
function list(flagValues: string | boolean | string[] | undefined, envValue: string | undefined): string[] {
  const raw = Array.isArray(flagValues) ? flagValues : (envValue ?? '').split(',');
  return raw.map((item) => item.trim()).filter((item) => item !== '');
}

function parsePort(raw: string | undefined, flag: string, envName: string, fallback: number): number | string {
  if (raw === undefined || raw === '') return fallback;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    return `${flag} (or ${envName}) must be a port number from 0 to 65535, got "${raw}"`;
  }
  return port;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `"90"`, `"90s"`, `"15m"`, `"24h"`, `"7d"` to seconds; undefined input gives the default (24 h). */
export function parseDuration(raw: string | undefined): number | undefined {
  if (raw === undefined) return DEFAULT_TOKEN_TTL_SECONDS;
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  return seconds > 0 ? seconds : undefined;
}
