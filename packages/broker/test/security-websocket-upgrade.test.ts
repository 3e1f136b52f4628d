import { describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { useFixtures } from './helpers/fixtures.js';

/** Opens a WebSocket to `url` and reports whether the upgrade succeeded, or the HTTP status it got. */
function upgrade(url: string, options: ClientOptions = {}): Promise<{ opened: true } | { opened: false; status: number | undefined }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['mqtt'], options);
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ opened: false, status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', () => resolve({ opened: false, status: undefined }));
  });
}

describe('WebSocket upgrades on /mqtt', () => {
  const fx = useFixtures();

  it.each(['http://evil.example', 'https://attacker.example:8443', 'http://127.0.0.2:5173', 'null'])(
    'are refused with 403 from a page on %s, even on an anonymous broker',
    async (origin) => {
      const broker = await fx.broker({ auth: { anonymous: true } });
      expect(await upgrade(broker.urls.ws, { origin })).toEqual({ opened: false, status: 403 });
      expect(broker.clients).toBe(0);
    },
  );

  it.each(['http://localhost:5173', 'https://localhost', 'http://127.0.0.1:8080', 'http://[::1]:3000'])(
    'are accepted from a loopback page on %s',
    async (origin) => {
      const broker = await fx.broker({ auth: { anonymous: true } });
      expect(await upgrade(broker.urls.ws, { origin })).toEqual({ opened: true });
    },
  );

  it('are accepted without an Origin header (Node clients, command-line tools)', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    expect(await upgrade(broker.urls.ws)).toEqual({ opened: true });
    await fx.connect(broker.urls.ws);
  });

  it('are refused for a Host that is not loopback nor configured (DNS rebinding)', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    expect(await upgrade(broker.urls.ws, { headers: { host: 'attacker.example' } })).toEqual({ opened: false, status: 403 });
    expect(await upgrade(broker.urls.ws, { headers: { host: 'attacker.example' }, origin: 'http://attacker.example' })).toEqual({
      opened: false,
      status: 403,
    });
  });

  it('let the origins in allowedOrigins in, and every origin with "*"', async () => {
    const listed = await fx.broker({ auth: { anonymous: true }, allowedOrigins: ['http://192.168.1.5:5173'] });
    expect(await upgrade(listed.urls.ws, { origin: 'http://192.168.1.5:5173' })).toEqual({ opened: true });
    expect(await upgrade(listed.urls.ws, { origin: 'http://192.168.1.5:5174' })).toMatchObject({ opened: false });
    const open = await fx.broker({ auth: { anonymous: true }, allowedOrigins: ['*'] });
    expect(await upgrade(open.urls.ws, { origin: 'https://anything.example' })).toEqual({ opened: true });
  });

  it('are refused on other paths, as before', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const other = await upgrade(broker.urls.ws.replace(/\/mqtt$/, '/other'));
    expect(other.opened).toBe(false);
  });
});
