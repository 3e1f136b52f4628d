import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { storedCount } from './support/outbox-records';
import { test, expect } from './support/fixtures';
import { mosquittoAvailable, startMosquitto, MOSQUITTO_USERNAME, type MosquittoBroker } from './support/mosquitto';

// offlineQueue.persist (issue #15) in Chromium's real IndexedDB against a Mosquitto of this spec's own (persistence
// on, so sessions with clean: false outlive the client's reloads). The broker is taken away by its TCP proxy; a
// mosquitto_sub peer on the plain MQTT listener (QoS 2) says what was delivered, duplicates included.

const subBinary = process.env['WEBMQTT_MOSQUITTO_SUB'] ?? '/usr/bin/mosquitto_sub';
const COUNT = 200;
const fastReconnect = { initialDelayMs: 50, maxDelayMs: 250, factor: 2, jitter: 'none' };

let broker: MosquittoBroker;
let password = '';

test.skip(!mosquittoAvailable(), 'needs /usr/sbin/mosquitto');

test.beforeAll(async () => {
  broker = await startMosquitto({
    certDir: mkdtempSync(join(tmpdir(), 'webmqtt-outbox-certs-')),
    extraConfig: ['persistent_client_expiration 1h', 'autosave_interval 1'],
  });
  password = await broker.issueToken();
});
test.afterAll(async () => {
  await broker?.stop();
});

/** A mosquitto_sub on `topic` (QoS 2) collecting payloads, resolved once its SUBACK came. */
async function startPeer(topic: string): Promise<{ received: string[]; stop(): void }> {
  // stdbuf: mosquitto_sub's stdout is block-buffered into a pipe; a line per message is what the test reads.
  const child: ChildProcess = spawn('stdbuf', ['-oL', subBinary, '-h', broker.mqtt.host, '-p', String(broker.mqtt.port), '-u', MOSQUITTO_USERNAME, '-P', password, '-q', '2', '-t', topic, '-d', '-F', 'MSG:%p'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: string[] = [];
  let subscribed!: () => void;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('MSG:')) received.push(line.slice(4));
      else if (line.includes('SUBACK')) subscribed();
    }
  });
  await ready;
  return { received, stop: () => child.kill('SIGTERM') };
}

/** Client options for the page: Mosquitto's static credentials (ws://127.0.0.1 only), the outbox on. */
function options(clientId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url: broker.urls.ws, clientId, username: MOSQUITTO_USERNAME, password, reconnect: fastReconnect,
    offlineQueue: { persist: true, maxMessages: 5_000, maxBytes: 10_000_000 }, ...extra,
  };
}

/** Creates the page's client (window.subject) and, with `connect`, waits for its connection. */
async function start(page: Page, opts: Record<string, unknown>, connect: boolean): Promise<void> {
  await page.evaluate(async ({ opts, connect }) => {
    const w = window as any;
    w.subject = w.makeHarness(opts);
    if (connect) await w.subject.client.connect();
    else w.subject.client.connect().catch(() => {});
  }, { opts, connect });
}

/** Publishes `names` (QoS `qos`) without waiting; their outcomes land in window.outcomes. */
async function publishAll(page: Page, topic: string, names: string[], qos: 1 | 2): Promise<void> {
  await page.evaluate(({ topic, names, qos }) => {
    const w = window as any;
    w.outcomes ??= {};
    for (const name of names) {
      w.outcomes[name] = 'pending';
      w.subject.client.publish(topic, name, { qos }).then(() => (w.outcomes[name] = 'ok'), (e: any) => (w.outcomes[name] = e.code));
    }
  }, { topic, names, qos });
}


/**
 * A browser on a profile directory of its own: after a renderer crash it is closed and launched again on the same
 * directory, as a user reopening the browser would (the crash takes every page of the site's renderer with it).
 */
async function launchProfile(dir: string, site: { url: string }): Promise<{ context: BrowserContext; page: Page }> {
  const chromiumPath = process.env['WEBMQTT_CHROMIUM'] ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  const context = await chromium.launchPersistentContext(dir, { headless: true, ...(chromiumPath ? { executablePath: chromiumPath } : {}), args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${site.url}/esm.html`);
  await page.waitForFunction(() => (window as any).sdkReady === true);
  return { context, page };
}

/** A fresh page of the same browser context (same origin storage), with the SDK loaded. */
async function reopen(page: Page, site: { url: string }): Promise<Page> {
  const next = await page.context().newPage();
  await next.goto(`${site.url}/esm.html`);
  await next.waitForFunction(() => (window as any).sdkReady === true);
  return next;
}

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.waitForFunction(() => (window as any).sdkReady === true);
}

const names = (prefix: string, n = COUNT): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const duplicates = (received: string[]): number => received.length - new Set(received).size;
const queueEvents = (page: Page): Promise<Array<Record<string, unknown>>> => page.evaluate(() => (window as any).subject.record.queue);
/** The `error` events that are not a failed connection attempt (the broker is away on purpose here). */
const errors = (page: Page): Promise<Array<{ code: string; message: string }>> =>
  page.evaluate(() => (window as any).subject.record.errors.filter((e: { code: string }) => !['CONNECTION_REFUSED', 'CONNECTION_LOST', 'CONNECT_TIMEOUT'].includes(e.code)));

test(`QoS 1: ${COUNT} publishes made offline survive a reload and reach a mosquitto_sub peer, all in order`, async ({ esmPage, site: _site, topicPrefix }) => {
  const topic = `${topicPrefix}/q1`;
  const clientId = 'outbox-q1';
  const peer = await startPeer(topic);
  try {
    await broker.pause();
    await start(esmPage, options(clientId), false);
    await publishAll(esmPage, topic, names('m'), 1);
    await expect.poll(() => storedCount(esmPage, clientId)).toBe(COUNT);
    await reload(esmPage);
    await broker.resume();
    await start(esmPage, options(clientId), true);
    await expect.poll(() => peer.received.length, { timeout: 20_000 }).toBe(COUNT);
    expect(peer.received).toEqual(names('m'));
    const events = await queueEvents(esmPage);
    expect(events.find((e) => e['restored'])).toMatchObject({ restored: COUNT });
    await expect.poll(async () => (await queueEvents(esmPage)).find((e) => e['restoredSettled'])?.['restoredSettled']).toEqual({ delivered: COUNT, failed: 0 });
    await expect.poll(() => storedCount(esmPage, clientId)).toBe(0);
    expect(await errors(esmPage)).toEqual([]);
  } finally {
    peer.stop();
  }
});

/**
 * Publishes COUNT messages offline in a browser of its own, reloads, lets the flush start, crashes the renderer
 * (CDP Page.crash) once the peer has more than 20, reopens the browser on the same profile and connects again.
 */
async function crashDuringFlush(site: { url: string }, clientId: string, topic: string, qos: 1 | 2, extra: Record<string, unknown>, peer: { received: string[] }, prefix: string): Promise<{ atCrash: number; left: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'webmqtt-outbox-profile-'));
  const first = await launchProfile(dir, site);
  let atCrash = 0;
  try {
    if (extra['clean'] === false) {
      // A session at the broker first, so the later CONNACKs have sessionPresent.
      await start(first.page, options(clientId, extra), true);
      await broker.pause();
      await expect.poll(() => first.page.evaluate(() => (window as any).subject.client.state)).not.toBe('connected');
    } else {
      await broker.pause();
      await start(first.page, options(clientId, extra), false);
    }
    await publishAll(first.page, topic, names(prefix), qos);
    await expect.poll(() => storedCount(first.page, clientId)).toBe(COUNT);
    await reload(first.page);
    await broker.resume();
    await start(first.page, options(clientId, extra), false);
    await expect.poll(() => peer.received.length, { timeout: 20_000, intervals: [5] }).toBeGreaterThan(20);
    const cdp = await first.context.newCDPSession(first.page);
    // Page.crash never answers (the renderer is gone): wait for Playwright's crash event instead.
    const crashed = first.page.waitForEvent('crash');
    void cdp.send('Page.crash').catch(() => {});
    await crashed;
    atCrash = peer.received.length;
  } finally {
    await first.context.close().catch(() => {});
  }
  const second = await launchProfile(dir, site);
  try {
    const left = await storedCount(second.page, clientId);
    await start(second.page, options(clientId, extra), true);
    await expect.poll(() => new Set(peer.received).size, { timeout: 30_000 }).toBe(COUNT);
    await second.page.waitForTimeout(1_000);
    await expect.poll(() => storedCount(second.page, clientId)).toBe(0);
    return { atCrash, left };
  } finally {
    await second.context.close().catch(() => {});
  }
}

test(`QoS 2 with clean: false: a renderer crash (CDP Page.crash) during the flush, then exactly ${COUNT} at the peer`, async ({ site, topicPrefix }) => {
  const topic = `${topicPrefix}/q2`;
  const peer = await startPeer(topic);
  try {
    const { atCrash, left } = await crashDuringFlush(site, 'outbox-q2', topic, 2, { clean: false, protocolVersion: 5, sessionExpiryInterval: 3600 }, peer, 'x');
    console.log(`[outbox] QoS 2 crash run: ${atCrash} at the peer at the crash, ${left} records left, ${peer.received.length} received in all, ${duplicates(peer.received)} duplicates`);
    expect([...new Set(peer.received)].sort()).toEqual(names('x'));
    expect(duplicates(peer.received)).toBe(0);
    expect(peer.received).toHaveLength(COUNT);
  } finally {
    peer.stop();
  }
});

test('QoS 1: a renderer crash during the flush loses nothing (duplicates counted)', async ({ site, topicPrefix }) => {
  const topic = `${topicPrefix}/crash1`;
  const peer = await startPeer(topic);
  try {
    const { atCrash, left } = await crashDuringFlush(site, 'outbox-crash1', topic, 1, {}, peer, 'c');
    console.log(`[outbox] QoS 1 crash run: ${atCrash} at the peer at the crash, ${left} records left, ${peer.received.length} received in all, ${duplicates(peer.received)} duplicates`);
    expect([...new Set(peer.received)].sort()).toEqual(names('c'));
  } finally {
    peer.stop();
  }
});

test('a message acknowledged before the reload is not sent again; two clientIds do not mix', async ({ esmPage, topicPrefix }) => {
  const topic = `${topicPrefix}/acked`;
  const peer = await startPeer(`${topic}/#`);
  try {
    await start(esmPage, options('outbox-acked'), true);
    await esmPage.evaluate(async (topic) => {
      const w = window as any;
      for (let i = 0; i < 5; i++) await w.subject.client.publish(`${topic}/a`, `acked-${i}`, { qos: 1 });
    }, topic);
    await broker.pause();
    await expect.poll(() => esmPage.evaluate(() => (window as any).subject.client.state)).not.toBe('connected');
    await publishAll(esmPage, `${topic}/a`, names('later', 5), 1);
    // A second client, another clientId, with its own outbox.
    await esmPage.evaluate(({ opts, topic }) => {
      const w = window as any;
      w.other = w.makeHarness(opts);
      for (let i = 0; i < 3; i++) w.other.client.publish(topic, `other-${i}`, { qos: 1 });
    }, { opts: options('outbox-other'), topic: `${topic}/b` });
    await expect.poll(() => storedCount(esmPage, 'outbox-acked')).toBe(5);
    await expect.poll(() => storedCount(esmPage, 'outbox-other')).toBe(3);
    await reload(esmPage);
    await broker.resume();
    await start(esmPage, options('outbox-acked'), true);
    await expect.poll(() => peer.received.length).toBe(10);
    await esmPage.waitForTimeout(500);
    expect(peer.received).toEqual([...Array.from({ length: 5 }, (_, i) => `acked-${i}`), ...names('later', 5)]);
    expect(await storedCount(esmPage, 'outbox-other')).toBe(3);
  } finally {
    peer.stop();
  }
});

test('a full storage quota goes through the overflow policy with a queue event saying so; nothing crashes', async ({ page, site, topicPrefix }) => {
  // Chromium here ignored CDP Storage.overrideQuotaForOrigin for IndexedDB writes (1.3 MB stored under a 256 KiB
  // override), so the quota is the browser's own error raised by IndexedDB's put() once 10 records are stored.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    let stored = 0;
    IDBObjectStore.prototype.put = function quotaPut(this: IDBObjectStore, value: unknown, key?: IDBValidKey): IDBRequest<IDBValidKey> {
      if (this.name === 'records' && ++stored > 10) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.call(this, value, key);
    };
  });
  await page.goto(`${site.url}/esm.html`);
  await page.waitForFunction(() => (window as any).sdkReady === true);
  const topic = `${topicPrefix}/quota`;
  const clientId = 'outbox-quota';
  const peer = await startPeer(topic);
  try {
    await broker.pause();
    await start(page, options(clientId, { offlineQueue: { persist: true, overflow: 'drop-newest' } }), false);
    // One publish per task, so each is a transaction of its own: the first 10 fit, then the quota is full.
    await page.evaluate(async (topic) => {
      const w = window as any;
      w.outcomes = {};
      for (let i = 0; i < 20; i++) {
        const name = `big-${String(i).padStart(2, '0')}`;
        w.outcomes[name] = 'pending';
        w.subject.client.publish(topic, name, { qos: 1 }).then(() => (w.outcomes[name] = 'ok'), (e: any) => (w.outcomes[name] = [e.code, e.message]));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }, topic);
    await expect.poll(async () => (await queueEvents(page)).filter((e) => e['quotaExceeded'] === true).length).toBe(10);
    expect((await queueEvents(page)).filter((e) => e['quotaExceeded'])[0]).toMatchObject({ dropped: 1, size: 10 });
    const outcomes = await page.evaluate(() => (window as any).outcomes as Record<string, unknown>);
    const refused = Object.keys(outcomes).filter((k) => Array.isArray(outcomes[k]));
    expect(refused).toEqual(Array.from({ length: 10 }, (_, i) => `big-${i + 10}`));
    for (const k of refused) expect(outcomes[k]).toEqual(['QUEUE_FULL', expect.stringContaining('storage quota')]);
    expect(await storedCount(page, clientId)).toBe(10);
    await broker.resume();
    await expect.poll(() => peer.received.length, { timeout: 20_000 }).toBe(10);
    expect(peer.received).toEqual(Object.keys(outcomes).filter((k) => !refused.includes(k)));
    expect(await errors(page)).toEqual([]);
  } finally {
    peer.stop();
  }
});

test('IndexedDB blocked: one PERSISTENCE_OFF error, and the memory queue still delivers', async ({ page, site, topicPrefix }) => {
  const topic = `${topicPrefix}/blocked`;
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function open(): IDBOpenDBRequest {
      throw new DOMException('storage is blocked for this site', 'SecurityError');
    };
  });
  await page.goto(`${site.url}/esm.html`);
  await page.waitForFunction(() => (window as any).sdkReady === true);
  const peer = await startPeer(topic);
  try {
    await broker.pause();
    await start(page, options('outbox-blocked'), false);
    await publishAll(page, topic, names('b', 10), 1);
    await expect.poll(async () => (await errors(page)).length).toBe(1);
    const [error] = await errors(page);
    expect(error!.code).toBe('PERSISTENCE_OFF');
    expect(error!.message).toContain('SecurityError');
    await broker.resume();
    await expect.poll(() => peer.received.length).toBe(10);
    expect(peer.received).toEqual(names('b', 10));
    expect(await errors(page)).toHaveLength(1);
  } finally {
    peer.stop();
  }
});
