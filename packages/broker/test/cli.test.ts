import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Broker } from '../src/index.js';
import { runCli } from '../src/cli.js';
import { useFixtures } from './helpers/fixtures.js';

describe('runCli', () => {
  const fx = useFixtures();

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    let running: Broker | undefined;
    const result = await runCli(argv, {
      env,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      onRunning: (broker) => {
        running = broker;
      },
    });
    return { ...result, out: out.join('\n'), err: err.join('\n'), running };
  }

  it('starts a broker, prints its URLs and a dev token that works', async () => {
    const certDir = await fx.tempDir();
    const result = await cli(['--ws-port', '0', '--wss-port', '0', '--cert-dir', certDir, '--token-ttl', '1h']);
    const broker = result.broker!;
    try {
      expect(result.exitCode).toBe(0);
      expect(result.running).toBe(broker);
      expect(result.out).toContain(broker.urls.ws);
      expect(result.out).toContain(broker.urls.wss!);
      const token = /Dev token[^\n]*\n\s+(\S+)/.exec(result.out)?.[1];
      expect(token).toBeDefined();
      const claims = decodeJwt(token!);
      expect(claims.sub).toBe('dev');
      expect(claims.exp! - claims.iat!).toBe(3600);
      await fx.connect(broker.urls.ws, { username: 'dev', password: token! });
      const health = await fetch(broker.urls.ws.replace('ws:', 'http:').replace('/mqtt', '/__webmqtt/health'));
      expect(health.status).toBe(200);
    } finally {
      await broker.stop();
    }
  });

  it('prints one clear line and exits 1 when the port is taken', async () => {
    const taken = await fx.broker();
    const result = await cli(['--ws-port', String(taken.wsPort), '--no-wss']);
    expect(result.exitCode).toBe(1);
    expect(result.broker).toBeUndefined();
    expect(result.err).toBe(
      `webmqtt-broker: port ${taken.wsPort} on 127.0.0.1 is already in use; choose another with --ws-port or WEBMQTT_WS_PORT`,
    );
    expect(result.err).not.toMatch(/\n|at /);
  });

  it('names --wss-port when the WSS port is taken', async () => {
    const taken = await fx.broker();
    const result = await cli(['--ws-port', '0', '--wss-port', String(taken.wsPort), '--cert-dir', await fx.tempDir()]);
    expect(result.exitCode).toBe(1);
    expect(result.err).toMatch(/--wss-port or WEBMQTT_WSS_PORT/);
  });

  it('exits 2 with a hint on a usage error, and 0 with the usage on --help', async () => {
    const bad = await cli(['--nope']);
    expect(bad.exitCode).toBe(2);
    expect(bad.err).toMatch(/--help/);
    const help = await cli(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.out).toMatch(/Usage: webmqtt-broker/);
  });

  it('reports an unreadable --cert file in one line', async () => {
    const result = await cli(['--ws-port', '0', '--wss-port', '0', '--cert', '/no/such.pem', '--key', '/no/such.key']);
    expect(result.exitCode).toBe(1);
    expect(result.err).toBe('webmqtt-broker: cannot read /no/such.pem (ENOENT)');
  });
});
