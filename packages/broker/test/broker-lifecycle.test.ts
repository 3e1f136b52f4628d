import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BrokerErrorCode, startBroker } from '../src/index.js';
import { closeOf, nextMessage, useFixtures, waitFor } from './helpers/fixtures.js';

/** Binds `port` on 127.0.0.1 and releases it: proves nothing else holds it. */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** How many resources of each kind (server, socket, timer, …) keep the event loop alive. */
function openResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Resources of a kind that exceed the `before` snapshot, e.g. `["TCPServerWrap"]`. */
function leftOver(before: Map<string, number>): string[] {
  return [...openResources()].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind]) => kind);
}

/** libuv releases a closed handle a tick after the close callback; give it that tick. */
async function expectNothingLeftOver(before: Map<string, number>): Promise<void> {
  await waitFor(() => leftOver(before).length === 0, 1_000, 'handles to be released').catch(() => {});
  expect(leftOver(before)).toEqual([]);
}

describe('broker lifecycle', () => {
  const fx = useFixtures();

  it('reports the bound ports in its URLs', async () => {
    const broker = await fx.broker({ wssPort: 0 });
    expect(broker.wsPort).toBeGreaterThan(0);
    expect(broker.wssPort).toBeGreaterThan(0);
    expect(broker.host).toBe('127.0.0.1');
    expect(broker.urls).toEqual({
      ws: `ws://127.0.0.1:${broker.wsPort}/mqtt`,
      wss: `wss://localhost:${broker.wssPort}/mqtt`,
    });
    expect(broker.state).toBe('running');
  });

  it('has no WSS URL, port or certificate with wssPort: false', async () => {
    const broker = await fx.broker({ wssPort: false });
    expect(broker.urls.wss).toBeUndefined();
    expect(broker.wssPort).toBeUndefined();
    expect(broker.certificate).toBeUndefined();
  });

  it('dropConnections() resolves once every client is gone and keeps listening', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const a = await fx.connect(broker.urls.ws);
    const b = await fx.connect(broker.urls.ws);
    const closed = Promise.all([closeOf(a), closeOf(b)]);
    await broker.dropConnections();
    expect(broker.clients).toBe(0);
    await closed;
    await fx.connect(broker.urls.ws);
    expect(broker.clients).toBe(1);
  });

  it('restart() comes back on the same ports, keeping retained messages and sessions', async () => {
    const broker = await fx.broker({ auth: { anonymous: true }, wssPort: 0 });
    const ports = [broker.wsPort, broker.wssPort];
    const session = await fx.connect(broker.urls.ws, { clientId: 'persistent', clean: false });
    await session.subscribeAsync('queued/#', { qos: 1 });
    const publisher = await fx.connect(broker.urls.ws);
    await publisher.publishAsync('config/mode', 'night', { qos: 1, retain: true });

    await broker.restart();
    expect([broker.wsPort, broker.wssPort]).toEqual(ports);
    expect(broker.state).toBe('running');
    expect(broker.clients).toBe(0);

    const publisher2 = await fx.connect(broker.urls.ws);
    await publisher2.publishAsync('queued/job', 'while-away', { qos: 1 });
    const back = await fx.connect(broker.urls.ws, { clientId: 'persistent', clean: false });
    expect((await nextMessage(back, 'queued/job')).payload).toBe('while-away');
    const reader = await fx.connect(broker.urls.wss!, { ca: broker.certificate! });
    const retained = nextMessage(reader, 'config/mode');
    await reader.subscribeAsync('config/mode');
    expect(await retained).toMatchObject({ payload: 'night', retain: true });
  });

  it('pause() frees the ports and refuses connections until resume()', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    const port = broker.wsPort;
    const client = await fx.connect(broker.urls.ws);
    const closed = closeOf(client);
    await broker.pause();
    await closed;
    expect(broker.state).toBe('paused');
    expect(broker.clients).toBe(0);
    const refused = await fx.refusal(broker.urls.ws);
    expect(refused.error.message).toMatch(/ECONNREFUSED/);
    await broker.resume();
    expect(broker.wsPort).toBe(port);
    await fx.connect(broker.urls.ws);
  });

  it('stop() frees the ports, leaves nothing open and can be called twice', async () => {
    const before = openResources();
    const broker = await startBroker({ wsPort: 0, wssPort: 0, certDir: await fx.tempDir(), auth: { anonymous: true } });
    const { wsPort, wssPort } = broker;
    const client = await fx.connect(broker.urls.ws);
    await client.endAsync();
    await Promise.all([broker.stop(), broker.stop()]);
    await broker.stop();
    expect(broker.state).toBe('stopped');
    expect(await portIsFree(wsPort)).toBe(true);
    expect(await portIsFree(wssPort!)).toBe(true);
    await expectNothingLeftOver(before);
    await expect(broker.resume()).rejects.toMatchObject({ code: BrokerErrorCode.BROKER_STOPPED });
  });

  it('fails to start with PORT_IN_USE naming the option when a port is taken, leaving nothing open', async () => {
    const first = await fx.broker({ wssPort: false });
    const before = openResources();
    const error = await startBroker({ wsPort: first.wsPort, wssPort: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: BrokerErrorCode.PORT_IN_USE, field: 'wsPort', port: first.wsPort });
    const wssError = await startBroker({ wsPort: 0, wssPort: first.wsPort, certDir: await fx.tempDir() }).catch((e: unknown) => e);
    expect(wssError).toMatchObject({ code: BrokerErrorCode.PORT_IN_USE, field: 'wssPort' });
    await expectNothingLeftOver(before);
  });

  it('rejects bad options with INVALID_OPTIONS naming the option', async () => {
    await expect(startBroker({ wsPort: 70000 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', field: 'wsPort' });
  });
});
