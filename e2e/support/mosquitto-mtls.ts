import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { canConnect, freePort, mosquittoBinary } from './mosquitto';
import type { TestPki } from './test-pki';

/**
 * Mosquitto set up like the seed's TBMQ: a WS listener and a WSS listener that wants a client certificate
 * signed by the run's CA and takes the MQTT username from it. Each is reached through a {@link CountingForwarder}
 * so a test can tell how many TCP connections a client opened.
 */
export interface MtlsMosquitto {
  /** `ws://127.0.0.1:<port>/mqtt` (Mosquitto ignores the path). */
  readonly wsUrl: string;
  /** `wss://localhost:<port>/mqtt`: the server certificate names `localhost` and `127.0.0.1`. */
  readonly wssUrl: string;
  /** The plain MQTT listener (2.0.11 does not start with websockets listeners only). */
  readonly mqttPort: number;
  /** TCP connections accepted so far on the WSS port. */
  readonly wssConnections: number;
  /** The last few KB of Mosquitto's log (connections included), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to a target port byte for byte and counts the connections it accepted. */
export interface CountingForwarder {
  readonly port: number;
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startCountingForwarder(targetPort: number): Promise<CountingForwarder> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined).on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function config(dir: string, pki: TestPki, ports: { mqtt: number; ws: number; wss: number }): string {
  return [
    '# Generated for e2e/examples.spec.ts: the seed\'s two listeners, WS and WSS with mutual TLS.',
    // The seed's WS client sends a username and no password (2.0.11 refuses that without allow_anonymous);
    // the WSS listener lets no one in without a certificate from the run's CA, and takes the username from it.
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    `listener ${ports.mqtt} 127.0.0.1`,
    'protocol mqtt',
    `listener ${ports.ws} 127.0.0.1`,
    'protocol websockets',
    // Without it a websockets listener binds every interface, whatever the address says.
    'socket_domain ipv4',
    `listener ${ports.wss} 127.0.0.1`,
    'protocol websockets',
    'socket_domain ipv4',
    `cafile ${pki.ca}`,
    `certfile ${pki.serverCert}`,
    `keyfile ${pki.serverKey}`,
    'require_certificate true',
    'use_identity_as_username true',
  ].join('\n') + '\n';
}

/** Starts Mosquitto on ports the OS picked, with the run's certificates; waits until every listener accepts. */
export async function startMtlsMosquitto(dir: string, pki: TestPki): Promise<MtlsMosquitto> {
  const ports = { mqtt: await freePort(), ws: await freePort(), wss: await freePort() };
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, config(dir, pki, ports));
  let log = '';
  const child: ChildProcess = spawn(mosquittoBinary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  });
  const stopBroker = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode} at start:\n${log}`);
    const up = await Promise.all([ports.mqtt, ports.ws, ports.wss].map(canConnect));
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stopBroker();
      throw new Error(`mosquitto did not listen on ${JSON.stringify(ports)} within 10 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const wss = await startCountingForwarder(ports.wss);
  return {
    wsUrl: `ws://127.0.0.1:${ports.ws}/mqtt`,
    wssUrl: `wss://localhost:${wss.port}/mqtt`,
    mqttPort: ports.mqtt,
    get wssConnections() {
      return wss.accepted;
    },
    log: () => log,
    stop: async () => {
      await wss.close();
      await stopBroker();
    },
  };
}
