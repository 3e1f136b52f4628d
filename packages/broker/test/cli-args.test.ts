import { describe, expect, it } from 'vitest';
import { parseCliArgs, parseDuration, USAGE } from '../src/cli-args.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const result = parseCliArgs(argv, env);
  if (result.kind !== 'run') throw new Error(`expected settings, got ${JSON.stringify(result)}`);
  return result.settings;
};

describe('parseCliArgs', () => {
  it('uses the defaults with no arguments', () => {
    expect(run([])).toEqual({
      wsPort: 8084,
      wssPort: 8085,
      host: '127.0.0.1',
      secret: undefined,
      secretFile: undefined,
      secretSource: undefined,
      jwksFile: undefined,
      anonymous: false,
      certFile: undefined,
      keyFile: undefined,
      certDir: undefined,
      tokenTtlSeconds: 86400,
      allowedOrigins: [],
      allowedHosts: [],
      verbose: false,
    });
  });

  it('reads every flag', () => {
    expect(
      run([
        '--ws-port', '9001', '--wss-port=9002', '--host', '0.0.0.0', '--secret', 's', '--jwks-file', 'keys.json',
        '--anonymous', '--cert', 'c.pem', '--key', 'k.pem', '--cert-dir', '/tmp/c', '--token-ttl', '2h', '--verbose',
        '--allow-origin', 'http://192.168.1.5:5173', '--allow-origin', 'https://dev.example:*', '--allow-host', 'devbox.local',
      ]),
    ).toEqual({
      wsPort: 9001,
      wssPort: 9002,
      host: '0.0.0.0',
      secret: 's',
      secretFile: undefined,
      secretSource: '--secret',
      jwksFile: 'keys.json',
      anonymous: true,
      certFile: 'c.pem',
      keyFile: 'k.pem',
      certDir: '/tmp/c',
      tokenTtlSeconds: 7200,
      allowedOrigins: ['http://192.168.1.5:5173', 'https://dev.example:*'],
      allowedHosts: ['devbox.local'],
      verbose: true,
    });
  });

  it('reads ports, secret and cert dir from the environment, flags winning', () => {
    const env = { WEBMQTT_WS_PORT: '7001', WEBMQTT_WSS_PORT: '7002', WEBMQTT_JWT_SECRET: 'from-env', WEBMQTT_CERT_DIR: '/env/certs' };
    expect(run([], env)).toMatchObject({ wsPort: 7001, wssPort: 7002, secret: 'from-env', certDir: '/env/certs' });
    expect(run(['--ws-port', '0', '--secret', 'flag'], env)).toMatchObject({ wsPort: 0, secret: 'flag' });
  });

  it('turns WSS off with --no-wss', () => {
    expect(run(['--no-wss']).wssPort).toBe(false);
  });

  it('returns the usage text for --help and -h', () => {
    expect(parseCliArgs(['--help'], {})).toEqual({ kind: 'help', text: USAGE });
    expect(parseCliArgs(['-h'], {}).kind).toBe('help');
  });

  it.each([
    [['--ws-port', 'abc'], /--ws-port.*WEBMQTT_WS_PORT.*"abc"/],
    [['--wss-port', '70000'], /--wss-port/],
    [['--bogus'], /bogus/],
    [['--cert', 'c.pem'], /--cert and --key/],
    [['--no-wss', '--cert', 'c', '--key', 'k'], /--no-wss/],
    [['--token-ttl', '0'], /--token-ttl/],
    [['--token-ttl', '1w'], /--token-ttl/],
    [['extra'], /positional|extra/i],
  ])('reports a usage error for %j', (argv, message) => {
    const result = parseCliArgs(argv, {});
    expect(result.kind).toBe('error');
    expect(result.kind === 'error' && result.message).toMatch(message);
  });

  it('reports a bad port in the environment naming the variable', () => {
    const result = parseCliArgs([], { WEBMQTT_WSS_PORT: '-1' });
    expect(result.kind === 'error' && result.message).toMatch(/WEBMQTT_WSS_PORT/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['24h', 86400],
    ['7d', 604800],
  ])('reads %s as %i seconds', (raw, seconds) => {
    expect(parseDuration(raw)).toBe(seconds);
  });

  it('defaults to 24 hours and rejects nonsense', () => {
    expect(parseDuration(undefined)).toBe(86400);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('-5')).toBeUndefined();
  });
});
