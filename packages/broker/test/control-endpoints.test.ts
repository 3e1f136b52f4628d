import { describe, expect, it } from 'vitest';
import { closeOf, useFixtures } from './helpers/fixtures.js';

describe('control endpoints', () => {
  const fx = useFixtures();

  const base = (wsUrl: string): string => wsUrl.replace(/^ws:/, 'http:').replace(/\/mqtt$/, '');

  it('GET /__webmqtt/health reports the client count and uptime, with CORS for a loopback page', async () => {
    const broker = await fx.broker({ auth: { anonymous: true }, controlEndpoints: true });
    await fx.connect(broker.urls.ws);
    const res = await fetch(`${base(broker.urls.ws)}/__webmqtt/health`, { headers: { origin: 'http://localhost:5173' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const body = (await res.json()) as { status: string; clients: number; uptime: number };
    expect(body).toMatchObject({ status: 'ok', clients: 1 });
    expect(body.uptime).toBeGreaterThanOrEqual(0);
  });

  it('POST /__webmqtt/drop drops every client and answers once they are gone', async () => {
    const broker = await fx.broker({ auth: { anonymous: true }, controlEndpoints: true });
    const client = await fx.connect(broker.urls.ws);
    const closed = closeOf(client);
    const res = await fetch(`${base(broker.urls.ws)}/__webmqtt/drop`, { method: 'POST', headers: { 'x-webmqtt-control': '1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ dropped: 1 });
    expect(broker.clients).toBe(0);
    await closed;
  });

  it('answers the CORS preflight and refuses other methods', async () => {
    const broker = await fx.broker({ controlEndpoints: true });
    const preflight = await fetch(`${base(broker.urls.ws)}/__webmqtt/drop`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect((await fetch(`${base(broker.urls.ws)}/__webmqtt/drop`)).status).toBe(405);
  });

  it('are off unless controlEndpoints is true', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const client = await fx.connect(broker.urls.ws);
    const res = await fetch(`${base(broker.urls.ws)}/__webmqtt/drop`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(client.connected).toBe(true);
  });

  it('answers plain HTTP on /mqtt with 426 and on / with a short note', async () => {
    const broker = await fx.broker();
    expect((await fetch(`${base(broker.urls.ws)}/mqtt`)).status).toBe(426);
    const root = await fetch(`${base(broker.urls.ws)}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toMatch(/\/mqtt/);
  });
});
