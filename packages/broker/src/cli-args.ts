import { parseArgs } from 'node:util';
import { DEFAULTS } from './options.js';

/** What the command line asks for, before any file is read or secret generated. */
export interface CliSettings {
  wsPort: number;
  /** `false` when `--no-wss` was given. */
  wssPort: number | false;
  host: string;
  /** HS256 secret from `--secret` / `WEBMQTT_JWT_SECRET`; undefined means "generate one". */
  secret: string | undefined;
  jwksFile: string | undefined;
  anonymous: boolean;
  certFile: string | undefined;
  keyFile: string | undefined;
  certDir: string | undefined;
  /** Lifetime of the printed dev token, in seconds. */
  tokenTtlSeconds: number;
  verbose: boolean;
}

/** The outcome of {@link parseCliArgs}. */
export type CliParseResult =
  | { kind: 'run'; settings: CliSettings }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

/** Environment variables the CLI reads. */
export const CLI_ENV = {
  wsPort: 'WEBMQTT_WS_PORT',
  wssPort: 'WEBMQTT_WSS_PORT',
  secret: 'WEBMQTT_JWT_SECRET',
  certDir: 'WEBMQTT_CERT_DIR',
} as const;

const DEFAULT_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Usage text of `webmqtt-broker --help`. */
export const USAGE = `Usage: webmqtt-broker [options]

A development MQTT 3.1.1 broker over WebSocket (path /mqtt) with JWT auth.

Options:
  --ws-port <port>      WebSocket port (env ${CLI_ENV.wsPort}, default ${DEFAULTS.wsPort}; 0 = any free port)
  --wss-port <port>     WSS port (env ${CLI_ENV.wssPort}, default ${DEFAULTS.wssPort}; 0 = any free port)
  --no-wss              do not serve WSS
  --host <address>      interface to listen on (default ${DEFAULTS.host})
  --secret <secret>     HS256 secret clients' tokens are signed with (env ${CLI_ENV.secret};
                        default: a random secret for this process)
  --jwks-file <path>    also accept RS256/ES256 tokens verified with this JSON Web Key Set
  --anonymous           let clients connect without a token (a given token is still checked)
  --cert <path>         PEM certificate for WSS (with --key; default: a cached self-signed
                        certificate for localhost in $${CLI_ENV.certDir} or ~/.webmqtt/certs)
  --key <path>          PEM private key for WSS
  --cert-dir <path>     where the self-signed certificate is cached
  --token-ttl <time>    lifetime of the printed dev token: seconds, or 30m, 12h, 7d (default 24h)
  --verbose             log connections and refusals (never tokens)
  -h, --help            show this text
`;

/**
 * Turns `argv` (without `node` and the script) and the environment into settings, or a usage error.
 * Pure: reads no file, touches no global.
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliParseResult {
  let values: Record<string, string | boolean | undefined>;
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
        'jwks-file': { type: 'string' },
        anonymous: { type: 'boolean' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'cert-dir': { type: 'string' },
        'token-ttl': { type: 'string' },
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
  const secret = str('secret') ?? (env[CLI_ENV.secret] || undefined);
  if (secret === '') return { kind: 'error', message: '--secret must not be empty' };
  const host = str('host') ?? DEFAULTS.host;
  if (host === '') return { kind: 'error', message: '--host must not be empty' };

  return {
    kind: 'run',
    settings: {
      wsPort,
      wssPort,
      host,
      secret,
      jwksFile: str('jwks-file'),
      anonymous: values.anonymous === true,
      certFile,
      keyFile,
      certDir: str('cert-dir') ?? (env[CLI_ENV.certDir] || undefined),
      tokenTtlSeconds: ttl,
      verbose: values.verbose === true,
    },
  };
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
