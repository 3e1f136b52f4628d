import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateDevCertificate } from '@webmqtt/broker';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const run = promisify(execFile);

/** Where Debian puts the broker; WEBMQTT_MOSQUITTO overrides. */
export const mosquittoBinary = process.env['WEBMQTT_MOSQUITTO'] ?? '/usr/sbin/mosquitto';
const passwdBinary = process.env['WEBMQTT_MOSQUITTO_PASSWD'] ?? '/usr/bin/mosquitto_passwd';

/** Debian ships the dynamic security plugin in the mosquitto package, under the multiarch lib dir. */
function findDynsecPlugin(): string | undefined {
  if (process.env['WEBMQTT_MOSQUITTO_DYNSEC']) return process.env['WEBMQTT_MOSQUITTO_DYNSEC'];
  for (const dir of ['/usr/lib', ...safeList('/usr/lib').filter((d) => d.includes('-linux-')).map((d) => `/usr/lib/${d}`)]) {
    const file = join(dir, 'mosquitto_dynamic_security.so');
    if (existsSync(file)) return file;
  }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function mosquittoAvailable(): boolean {
  return existsSync(mosquittoBinary) && existsSync(passwdBinary);
}

/** The one user the generated password file knows. */
export const MOSQUITTO_USERNAME = 'webmqtt';
/**
 * A SUBSCRIBE to a filter under this prefix is refused with reason code 0x87 (Not authorized).
 * Mosquitto 2.0.11's acl_file never refuses a SUBSCRIBE (it only filters deliveries); the dynamic
 * security plugin does, so it is loaded for that one ACL when installed.
 */
export const FORBIDDEN_PREFIX = 'forbidden';
/** The topic alias maximum the broker announces in CONNACK. */
export const MOSQUITTO_TOPIC_ALIAS_MAXIMUM = 5;

/** A Mosquitto 2.0 broker for a test worker, shaped like the dev broker the specs already use. */
export interface MosquittoBroker {
  readonly kind: 'mosquitto';
  /** WS and WSS through a proxy that can cut connections; path `/mqtt` (Mosquitto ignores it). */
  readonly urls: { ws: string; wss: string };
  /** The plain MQTT listener, for mosquitto_pub/mosquitto_sub. */
  readonly mqtt: { host: string; port: number };
  readonly username: string;
  /** True when SUBSCRIBE to `${FORBIDDEN_PREFIX}/#` is refused (the dynamic security plugin is installed). */
  readonly refusesForbiddenSubscriptions: boolean;
  /** The password the broker accepts for {@link username}; options are ignored (no expiry with a password file). */
  issueToken(options?: unknown): Promise<string>;
  /** Cuts every WS/WSS connection abruptly (no DISCONNECT, so wills fire); keeps listening. */
  dropConnections(): Promise<void>;
  /** Refuses new WS/WSS connections and drops the current ones; the broker keeps its sessions. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the Mosquitto process (SIGTERM, it saves its persistence file) and starts it again on the same ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The dynamic security plugin's config: the same user and token as the password file (the plugin checks
 * credentials first), everything allowed except subscribing under FORBIDDEN_PREFIX.
 */
function dynsecConfig(token: string): string {
  const salt = randomBytes(12);
  const iterations = 101;
  return JSON.stringify({
    defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: true, unsubscribe: true },
    clients: [{
      username: MOSQUITTO_USERNAME,
      password: pbkdf2Sync(token, salt, iterations, 64, 'sha512').toString('base64'),
      salt: salt.toString('base64'),
      iterations,
      roles: [{ rolename: 'e2e' }],
    }],
    groups: [],
    roles: [{ rolename: 'e2e', acls: [{ acltype: 'subscribePattern', topic: `${FORBIDDEN_PREFIX}/#`, priority: 10, allow: false }] }],
  }, null, 1);
}

function config(dir: string, ports: { mqtt: number; ws: number; wss: number }, dynsec: string | undefined, extra: readonly string[] = []): string {
  const lines = [
    '# Generated for the webmqtt e2e suite.',
    'allow_anonymous false',
    `password_file ${join(dir, 'passwd')}`,
    ...(dynsec ? [`plugin ${dynsec}`, `plugin_opt_config_file ${join(dir, 'dynsec.json')}`] : []),
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // The stream specs put thousands of QoS 1 messages through one session.
    'max_queued_messages 10000',
    // Mosquitto refuses to drop privileges to a missing "mosquitto" user when started as root.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    // A spec's own general settings (startMosquitto's extraConfig), before any listener.
    ...extra,
    // 2.0.11 will not start with websockets listeners only.
    `listener ${ports.mqtt} 127.0.0.1`,
    'protocol mqtt',
    // Without socket_domain ipv4 a websockets listener binds every interface, whatever the address.
    `listener ${ports.ws} 127.0.0.1`,
    'protocol websockets',
    'socket_domain ipv4',
    // A listener setting (before any listener it is ignored).
    `max_topic_alias ${MOSQUITTO_TOPIC_ALIAS_MAXIMUM}`,
    `listener ${ports.wss} 127.0.0.1`,
    'protocol websockets',
    'socket_domain ipv4',
    `max_topic_alias ${MOSQUITTO_TOPIC_ALIAS_MAXIMUM}`,
    `certfile ${join(dir, 'cert.pem')}`,
    `keyfile ${join(dir, 'key.pem')}`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * Starts Mosquitto with a generated config in a temp dir: a plain MQTT listener, WS and WSS on 127.0.0.1
 * (each behind a {@link TcpProxy}), password auth with a random token as the password, persistence on.
 */
export async function startMosquitto(options: {
  certDir: string;
  /** General config lines added to the defaults (before the listeners), for a spec that runs a broker of its own. */
  extraConfig?: readonly string[];
}): Promise<MosquittoBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'webmqtt-e2e-mosquitto-'));
  const token = randomBytes(24).toString('base64url');
  const { key, cert } = await loadOrCreateDevCertificate({ dir: options.certDir });
  await writeFile(join(dir, 'key.pem'), key, { mode: 0o600 });
  await writeFile(join(dir, 'cert.pem'), cert);
  await run(passwdBinary, ['-b', '-c', join(dir, 'passwd'), MOSQUITTO_USERNAME, token]);
  const dynsec = findDynsecPlugin();
  if (dynsec) await writeFile(join(dir, 'dynsec.json'), dynsecConfig(token), { mode: 0o600 });
  const ports = { mqtt: await freePort(), ws: await freePort(), wss: await freePort() };
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, config(dir, ports, dynsec, options.extraConfig));

  let child: ChildProcess | undefined;
  let log = '';
  const launch = async (): Promise<void> => {
    log = '';
    const proc = spawn(mosquittoBinary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited with code ${proc.exitCode} at start:\n${log}`);
      const up = await Promise.all([ports.mqtt, ports.ws, ports.wss].map(canConnect));
      if (up.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${JSON.stringify(ports)} within 10 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const terminate = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  let proxies: { ws: TcpProxy; wss: TcpProxy };
  try {
    proxies = { ws: await startTcpProxy({ targetPort: ports.ws }), wss: await startTcpProxy({ targetPort: ports.wss }) };
  } catch (error) {
    await terminate();
    throw error;
  }
  const all = [proxies.ws, proxies.wss];
  return {
    kind: 'mosquitto',
    urls: { ws: `ws://127.0.0.1:${proxies.ws.port}/mqtt`, wss: `wss://localhost:${proxies.wss.port}/mqtt` },
    mqtt: { host: '127.0.0.1', port: ports.mqtt },
    username: MOSQUITTO_USERNAME,
    refusesForbiddenSubscriptions: dynsec !== undefined,
    issueToken: async () => token,
    dropConnections: async () => {
      for (const proxy of all) proxy.dropConnections();
    },
    pause: async () => {
      await Promise.all(all.map((p) => p.pause()));
    },
    resume: async () => {
      await Promise.all(all.map((p) => p.resume()));
    },
    restart: async () => {
      await terminate();
      for (const proxy of all) proxy.dropConnections();
      await launch();
    },
    stop: async () => {
      await Promise.all(all.map((p) => p.close()));
      await terminate();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
