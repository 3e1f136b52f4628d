import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseCliArgs, USAGE } from '../src/cli-args.js';
import { runCli } from '../src/cli.js';
import { issueDevToken, type Broker } from '../src/index.js';
import { useFixtures } from './helpers/fixtures.js';

const SECRET = 'cli-secret-that-is-at-least-32-bytes-long';

describe('CLI secrets and origins', () => {
  const fx = useFixtures();

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const result = await runCli(['--ws-port', '0', '--no-wss', ...argv], {
      env,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      onRunning: () => {},
    });
    if (result.broker) running.push(result.broker);
    return { ...result, out: out.join('\n'), err: err.join('\n') };
  }
  const running: Broker[] = [];
  const stopAll = () => Promise.all(running.splice(0).map((b) => b.stop()));

  it('reads the HS256 secret from --secret-file (trailing newline ignored), without a warning', async () => {
    const file = join(await fx.tempDir(), 'jwt-secret');
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
    const result = await cli(['--secret-file', file]);
    try {
      expect(result.exitCode).toBe(0);
      expect(result.err).toBe('');
      const token = await issueDevToken(SECRET, { sub: 'a', ttlSeconds: 60 });
      await fx.connect(result.broker!.urls.ws, { username: 'a', password: token });
      expect(result.out).toContain('--secret-file');
    } finally {
      await stopAll();
    }
  });

  it('keeps --secret working but warns that it shows in the process list', async () => {
    const result = await cli(['--secret', SECRET]);
    try {
      expect(result.exitCode).toBe(0);
      expect(result.err).toMatch(/--secret is visible to other users.*\bps\b/);
      expect(result.err).toMatch(/--secret-file/);
      expect(result.err).toMatch(/WEBMQTT_JWT_SECRET/);
      expect(result.err).not.toContain(SECRET);
    } finally {
      await stopAll();
    }
  });

  it('takes WEBMQTT_JWT_SECRET without a warning', async () => {
    const result = await cli([], { WEBMQTT_JWT_SECRET: SECRET });
    try {
      expect(result.exitCode).toBe(0);
      expect(result.err).toBe('');
    } finally {
      await stopAll();
    }
  });

  it.each([
    [[], { WEBMQTT_JWT_SECRET: 'short-env-secret' }, 'WEBMQTT_JWT_SECRET'],
    [['--secret', 'a'], {}, '--secret'],
  ] as const)('refuses a short secret (%j %j) in one line naming %s', async (argv, env, source) => {
    const result = await cli([...argv], { ...env });
    expect(result.exitCode).toBe(1);
    expect(result.broker).toBeUndefined();
    const lastLine = result.err.split('\n').at(-1)!;
    expect(lastLine).toMatch(new RegExp(`^webmqtt-broker: the HS256 secret from ${source} is too short: at least 32 bytes are needed \\(got \\d+\\)`));
    expect(result.err).not.toContain('short-env-secret');
  });

  it('refuses a short --secret-file', async () => {
    const file = join(await fx.tempDir(), 'jwt-secret');
    await writeFile(file, 'tiny\n');
    const result = await cli(['--secret-file', file]);
    expect(result.exitCode).toBe(1);
    expect(result.err).toMatch(/HS256 secret from --secret-file .* is too short/);
  });

  it('reports an unreadable --secret-file in one line', async () => {
    const result = await cli(['--secret-file', '/no/such/secret']);
    expect(result.exitCode).toBe(1);
    expect(result.err).toBe('webmqtt-broker: cannot read /no/such/secret (ENOENT)');
  });

  it('refuses --secret together with --secret-file', () => {
    const result = parseCliArgs(['--secret', SECRET, '--secret-file', 'f'], {});
    expect(result.kind === 'error' && result.message).toMatch(/--secret.*--secret-file/);
  });

  it('--help recommends --secret-file or the environment over --secret, and documents the origin check', () => {
    expect(USAGE).toMatch(/--secret-file <path>/);
    expect(USAGE).toMatch(/--secret <secret>[^]*visible in `ps`/);
    expect(USAGE).toMatch(/--allow-origin <origin>/);
    expect(USAGE).toMatch(/WEBMQTT_ALLOWED_ORIGINS/);
    expect(USAGE).toMatch(/--allow-host <name>/);
  });

  it.each([
    [['--allow-origin', 'http://192.168.1.5:5173'], {}],
    [[], { WEBMQTT_ALLOWED_ORIGINS: 'http://other.example, http://192.168.1.5:5173' }],
  ] as const)('lets pages from the origins given by %j %j open WebSockets', async (argv, env) => {
    const result = await cli(['--anonymous', ...argv], { ...env });
    try {
      expect(result.exitCode).toBe(0);
      const opened = (origin: string) =>
        new Promise<boolean>((resolve) => {
          const ws = new WebSocket(result.broker!.urls.ws, ['mqtt'], { origin });
          ws.once('open', () => {
            ws.terminate();
            resolve(true);
          });
          ws.once('error', () => resolve(false));
        });
      expect(await opened('http://192.168.1.5:5173')).toBe(true);
      expect(await opened('http://localhost:5173')).toBe(true);
      expect(await opened('http://evil.example')).toBe(false);
    } finally {
      await stopAll();
    }
  });

  it('reports a malformed --allow-origin as a usage error', async () => {
    const result = await cli(['--allow-origin', 'localhost:5173']);
    expect(result.exitCode).toBe(2);
    expect(result.err).toMatch(/--allow-origin.*"localhost:5173"/);
  });
});
