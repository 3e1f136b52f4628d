import { readFile } from 'node:fs/promises';
import { startBroker, type Broker } from './broker.js';
import { CLI_ENV, parseCliArgs, type CliSettings } from './cli-args.js';
import { CONTROL_HEADER, CONTROL_PATHS } from './control-endpoints.js';
import { BrokerErrorCode, isBrokerError } from './errors.js';
import type { BrokerOptions } from './options.js';
import { LOOPBACK_HOSTNAMES } from './request-policy.js';
import { defaultCertDir } from './tls-cert.js';
import { generateSecret, MIN_SECRET_BYTES } from './tokens.js';

/** What the CLI talks to; replaced in tests. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
  /** Called with the running broker, to stop it on SIGINT/SIGTERM. Default: process signal handlers. */
  onRunning(broker: Broker): void;
}

/** The outcome of {@link runCli}: an exit code, and the broker when one was started. */
export interface CliResult {
  exitCode: number;
  broker: Broker | undefined;
}

const FLAG_FOR_PORT: Record<string, string> = {
  wsPort: `--ws-port or ${CLI_ENV.wsPort}`,
  wssPort: `--wss-port or ${CLI_ENV.wssPort} (or turn WSS off with --no-wss)`,
};

/** Runs `webmqtt-broker` with `argv` (without `node` and the script). */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<CliResult> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const parsed = parseCliArgs(argv, env);
  if (parsed.kind === 'help') {
    out(parsed.text);
    return { exitCode: 0, broker: undefined };
  }
  if (parsed.kind === 'error') {
    err(`webmqtt-broker: ${parsed.message}`);
    err('Run webmqtt-broker --help for the options.');
    return { exitCode: 2, broker: undefined };
  }
  const settings = parsed.settings;
  for (const warning of parsed.warnings) err(`webmqtt-broker: ${warning}`);
  let broker: Broker;
  let secret: string | undefined;
  try {
    secret = settings.secretFile === undefined ? settings.secret ?? generateSecret() : await readSecretFile(settings.secretFile);
    broker = await startBroker(await toBrokerOptions(settings, secret, err));
  } catch (error) {
    err(`webmqtt-broker: ${describeStartError(error, settings, secret)}`);
    return { exitCode: 1, broker: undefined };
  }
  const token = await broker.issueToken({ sub: 'dev', ttl: settings.tokenTtlSeconds });
  for (const line of banner(broker, settings, token, env)) out(line);
  (io.onRunning ?? stopOnSignals)(broker);
  return { exitCode: 0, broker };
}

async function toBrokerOptions(settings: CliSettings, secret: string, err: (line: string) => void): Promise<BrokerOptions> {
  const options: BrokerOptions = {
    wsPort: settings.wsPort,
    wssPort: settings.wssPort,
    host: settings.host,
    controlEndpoints: true,
    allowedOrigins: settings.allowedOrigins,
    allowedHosts: settings.allowedHosts,
    // The CLI always has an HS256 secret so the printed dev token works, whatever else is accepted.
    auth: {
      anonymous: settings.anonymous,
      jwt: { secret, ...(settings.jwksFile === undefined ? {} : { jwksFile: settings.jwksFile }) },
    },
  };
  if (settings.certDir !== undefined) options.certDir = settings.certDir;
  if (settings.certFile !== undefined && settings.keyFile !== undefined) {
    options.tls = { cert: await readFile(settings.certFile, 'utf8'), key: await readFile(settings.keyFile, 'utf8') };
  }
  // Warnings (a replaced TLS key, an uncachable certificate) are shown even without --verbose.
  const print = (m: string): void => err(`[broker] ${m}`);
  options.logger = settings.verbose ? { info: print, warn: print, error: print } : { warn: print, error: print };
  return options;
}

/** The secret in `path`, without the line ending editors and `echo` add. */
async function readSecretFile(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).replace(/[\r\n]+$/, '');
}

function describeStartError(error: unknown, settings: CliSettings, secret: string | undefined): string {
  if (isBrokerError(error) && error.code === BrokerErrorCode.PORT_IN_USE) {
    const change = FLAG_FOR_PORT[error.field ?? ''] ?? 'another port';
    return `port ${error.port} on ${settings.host} is already in use; choose another with ${change}`;
  }
  if (isBrokerError(error) && error.field === 'auth.jwt.secret' && secret !== undefined) {
    return (
      `the HS256 secret from ${settings.secretSource ?? 'the options'} is too short: at least ${MIN_SECRET_BYTES} bytes are needed ` +
      `(got ${Buffer.byteLength(secret, 'utf8')}); make one with: openssl rand -base64 32`
    );
  }
  if (isBrokerError(error)) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return `cannot read ${(error as NodeJS.ErrnoException).path ?? 'a file'} (${code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The lines printed once the broker listens. The dev token is printed here and nowhere else. */
export function banner(broker: Broker, settings: CliSettings, token: string, env: CliIo['env']): string[] {
  const { ws, wss } = broker.urls;
  const httpBase = ws.replace(/^ws:/, 'http:').replace(/\/mqtt$/, '');
  const certNote = settings.certFile
    ? `certificate ${settings.certFile}`
    : `self-signed, cached in ${settings.certDir ?? defaultCertDir(env as NodeJS.ProcessEnv)}; open ${wss?.replace(/^wss:/, 'https:').replace(/\/mqtt$/, '/')} once in the browser to accept it`;
  const authNote = [
    settings.secretSource ? `JWT HS256 (secret from ${settings.secretSource})` : 'JWT HS256 (random secret, valid for this process only)',
    settings.jwksFile ? `JWKS from ${settings.jwksFile}` : undefined,
    settings.anonymous ? 'anonymous clients allowed' : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return [
    'webmqtt broker: MQTT 3.1.1 over WebSocket',
    `  ws    ${ws}`,
    ...(wss ? [`  wss   ${wss}  (${certNote})`] : []),
    `  auth  ${authNote}`,
    `  pages ${[`${LOOPBACK_HOSTNAMES.join(', ')} (any port)`, ...settings.allowedOrigins].join(', ')} may connect and call the control endpoints`,
    '',
    `Dev token (sub "dev", valid ${formatDuration(settings.tokenTtlSeconds)}):`,
    `  ${token}`,
    '',
    'Connect with MQTT.js (MQTT 3.1.1 needs a username whenever a password is sent):',
    `  mqtt.connect('${ws}', { username: 'dev', password: '<dev token>' })`,
    `  or put the token in the URL: ${ws}?access_token=<dev token>`,
    '',
    `Control: POST ${httpBase}${CONTROL_PATHS.drop} with the header "${CONTROL_HEADER.name}: ${CONTROL_HEADER.value}" drops every client, GET ${httpBase}${CONTROL_PATHS.health}`,
    'Press Ctrl+C to stop.',
  ];
}

function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 7 * 86400) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function stopOnSignals(broker: Broker): void {
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // Once stopped nothing is left open, so the process ends by itself.
    broker.stop().catch((error: unknown) => {
      process.stderr.write(`webmqtt-broker: error while stopping: ${String(error)}\n`);
      process.exitCode = 1;
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Entry point of the `webmqtt-broker` bin. */
export async function main(): Promise<void> {
  const { exitCode } = await runCli(process.argv.slice(2));
  if (exitCode !== 0) process.exitCode = exitCode;
}
