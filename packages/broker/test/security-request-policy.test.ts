import { describe, expect, it } from 'vitest';
import { createRequestPolicy } from '../src/request-policy.js';

describe('createRequestPolicy: Host', () => {
  const loopback = createRequestPolicy({ host: '127.0.0.1' });

  it.each(['localhost', 'localhost:8084', 'LocalHost:1', 'localhost.:80', '127.0.0.1', '127.0.0.1:65535', '[::1]', '[::1]:8084'])(
    'allows the loopback name %s with any port',
    (host) => expect(loopback.hostAllowed(host)).toBe(true),
  );

  it.each([undefined, '', 'attacker.example', 'attacker.example:8084', 'localhost.attacker.example', '127.0.0.2', '10.0.0.5:8084', '[::2]', 'localhost:80:80', 'local host'])(
    'refuses %j',
    (host) => expect(loopback.hostAllowed(host)).toBe(false),
  );

  it('allows the configured host and allowedHosts', () => {
    const policy = createRequestPolicy({ host: '192.168.1.5', allowedHosts: ['DevBox.local'] });
    expect(policy.hostAllowed('192.168.1.5:8084')).toBe(true);
    expect(policy.hostAllowed('devbox.local:8084')).toBe(true);
    expect(policy.hostAllowed('192.168.1.6:8084')).toBe(false);
    expect(createRequestPolicy({ host: '::1' }).hostAllowed('[::1]:1')).toBe(true);
    expect(createRequestPolicy({ host: 'fd00::5' }).hostAllowed('[fd00::5]:8084')).toBe(true);
  });

  it('with a wildcard host allows every IP address, but still no other name', () => {
    for (const host of ['0.0.0.0', '::']) {
      const policy = createRequestPolicy({ host });
      expect(policy.hostAllowed('192.168.1.5:8084')).toBe(true);
      expect(policy.hostAllowed('[fe80::1]:8084')).toBe(true);
      expect(policy.hostAllowed('attacker.example:8084')).toBe(false);
      expect(policy.hostAllowed('0.0.0.0.attacker.example')).toBe(false);
    }
  });
});

describe('createRequestPolicy: Origin', () => {
  const loopback = createRequestPolicy({ host: '127.0.0.1' });

  it('lets requests without an Origin through (Node clients, tools, navigations)', () => {
    expect(loopback.originAllowed(undefined)).toBe(true);
  });

  it.each(['http://localhost:5173', 'https://localhost', 'http://127.0.0.1', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'HTTP://LOCALHOST:1'])(
    'allows the loopback origin %s',
    (origin) => expect(loopback.originAllowed(origin)).toBe(true),
  );

  it.each(['null', '', 'http://127.0.0.2:8080', 'http://evil.example', 'http://localhost.evil.example', 'ws://localhost:1', 'file://', 'http://localhost:*', 'http://localhost:5173/path', 'chrome-extension://abc'])(
    'refuses the origin %j',
    (origin) => expect(loopback.originAllowed(origin)).toBe(false),
  );

  it('adds allowedOrigins: exact, with any port, or every origin with "*"', () => {
    const listed = createRequestPolicy({ host: '127.0.0.1', allowedOrigins: ['http://192.168.1.5:5173', 'https://dev.example:*', 'https://exact.example:443'] });
    expect(listed.originAllowed('http://192.168.1.5:5173')).toBe(true);
    expect(listed.originAllowed('http://192.168.1.5:5174')).toBe(false);
    expect(listed.originAllowed('https://dev.example:8443')).toBe(true);
    expect(listed.originAllowed('http://dev.example:8443')).toBe(false);
    // An Origin header leaves the default port out.
    expect(listed.originAllowed('https://exact.example')).toBe(true);
    expect(createRequestPolicy({ host: '127.0.0.1', allowedOrigins: ['*'] }).originAllowed('null')).toBe(true);
  });

  it('refuses a malformed allowedOrigins entry at start, naming it', () => {
    expect(() => createRequestPolicy({ host: '127.0.0.1', allowedOrigins: ['http://ok.example', 'localhost:5173'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'allowedOrigins[1]' }),
    );
    expect(() => createRequestPolicy({ host: '127.0.0.1', allowedHosts: [''] })).toThrow(expect.objectContaining({ field: 'allowedHosts' }));
  });

  it('refusal() names the first check that fails', () => {
    expect(loopback.refusal({ host: 'localhost:1' })).toBeUndefined();
    expect(loopback.refusal({ host: 'attacker.example', origin: 'http://attacker.example' })).toEqual({ status: 403, reason: 'host not allowed' });
    expect(loopback.refusal({ host: 'localhost:1', origin: 'http://evil.example' })).toEqual({ status: 403, reason: 'origin not allowed' });
  });
});
