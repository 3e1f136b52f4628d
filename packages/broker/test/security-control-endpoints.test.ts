import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeOf, useFixtures } from './helpers/fixtures.js';

/** A plain HTTP request with full control of the headers (fetch will not send a forged Host). */
function http(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const CONTROL = { 'x-webmqtt-control': '1' };

describe('control endpoints refuse cross-origin and rebinding requests', () => {
  const fx = useFixtures();
  const base = (wsUrl: string): string => wsUrl.replace(/^ws:/, 'http:').replace(/\/mqtt$/, '');

  it('a POST without the x-webmqtt-control header (what a no-cors form or fetch sends) drops nobody', async () => {
    const broker = await fx.broker({ auth: { anonymous: true }, controlEndpoints: true });
    const client = await fx.connect(broker.urls.ws);
    // A no-cors POST from a loopback page: simple headers only.
    const res = await http(`${base(broker.urls.ws)}/__webmqtt/drop`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/x-webmqtt-control/);
    expect(client.connected).toBe(true);
    expect(broker.clients).toBe(1);
  });

  it('a POST with the header from an allowed origin drops the clients and echoes that origin', async () => {
    const broker = await fx.broker({ auth: { anonymous: true }, controlEndpoints: true });
    const client = await fx.connect(broker.urls.ws);
    const closed = closeOf(client);
    const res = await http(`${base(broker.urls.ws)}/__webmqtt/drop`, {
      method: 'POST',
      headers: { ...CONTROL, origin: 'http://127.0.0.1:8080' },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ dropped: 1 });
    expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8080');
    expect(res.headers['vary']).toMatch(/origin/i);
    await closed;
  });

  it.each(['http://evil.example', 'http://127.0.0.2:8080', 'null'])('refuses every control call from origin %s, without CORS headers', async (origin) => {
    const broker = await fx.broker({ auth: { anonymous: true }, controlEndpoints: true });
    const client = await fx.connect(broker.urls.ws);
    const health = await http(`${base(broker.urls.ws)}/__webmqtt/health`, { headers: { origin } });
    const preflight = await http(`${base(broker.urls.ws)}/__webmqtt/drop`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-webmqtt-control' },
    });
    const drop = await http(`${base(broker.urls.ws)}/__webmqtt/drop`, { method: 'POST', headers: { ...CONTROL, origin } });
    for (const res of [health, preflight, drop]) {
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(client.connected).toBe(true);
  });

  it('never answers with a wildcard CORS origin; a loopback page gets its own origin back', async () => {
    const broker = await fx.broker({ controlEndpoints: true });
    const plain = await http(`${base(broker.urls.ws)}/__webmqtt/health`);
    expect(plain.status).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const page = await http(`${base(broker.urls.ws)}/__webmqtt/health`, { headers: { origin: 'http://localhost:5173' } });
    expect(page.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const preflight = await http(`${base(broker.urls.ws)}/__webmqtt/drop`, {
      method: 'OPTIONS',
      headers: { origin: 'http://[::1]:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-webmqtt-control' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://[::1]:3000');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/x-webmqtt-control/);
  });

  it('allowedOrigins adds origins beyond the loopback ones', async () => {
    const broker = await fx.broker({ controlEndpoints: true, allowedOrigins: ['http://192.168.1.5:5173', 'https://dev.example:*'] });
    for (const origin of ['http://192.168.1.5:5173', 'https://dev.example:8443', 'https://dev.example', 'http://localhost:1234']) {
      const res = await http(`${base(broker.urls.ws)}/__webmqtt/health`, { headers: { origin } });
      expect(res.headers['access-control-allow-origin'], origin).toBe(origin);
    }
    const other = await http(`${base(broker.urls.ws)}/__webmqtt/health`, { headers: { origin: 'http://192.168.1.5:5174' } });
    expect(other.status).toBe(403);
  });

  it.each(['attacker.example', 'attacker.example:8084', 'localhost.attacker.example', '127.0.0.1.nip.io'])(
    'refuses Host: %s (DNS rebinding) on every path',
    async (host) => {
      const broker = await fx.broker({ auth: { anonymous: true }, controlEndpoints: true });
      const client = await fx.connect(broker.urls.ws);
      for (const [method, path, headers] of [
        ['GET', '/__webmqtt/health', {}],
        ['POST', '/__webmqtt/drop', CONTROL],
        ['GET', '/', {}],
      ] as const) {
        const res = await http(`${base(broker.urls.ws)}${path}`, { method, headers: { ...headers, host } });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body).not.toMatch(/clients/);
      }
      expect(client.connected).toBe(true);
    },
  );

  it('accepts the loopback names with any port, the configured host, and allowedHosts', async () => {
    const broker = await fx.broker({ controlEndpoints: true, allowedHosts: ['devbox.local'] });
    for (const host of ['localhost', 'localhost:1', 'LOCALHOST:8084', '127.0.0.1:9', '[::1]:8084', 'devbox.local:8084']) {
      const res = await http(`${base(broker.urls.ws)}/__webmqtt/health`, { headers: { host } });
      expect(res.status, host).toBe(200);
    }
  });
});
