import { test as base, expect, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '@webmqtt/broker';
import { startStaticServer } from './static-server';

/** A dev broker and a static server per Playwright worker, both on 127.0.0.1 with free ports. */
interface WorkerFixtures {
  broker: Broker;
  site: { url: string };
}

interface TestFixtures {
  /** A fresh page with the SDK loaded through its ESM browser build. */
  esmPage: Page;
  /** A fresh page with the SDK loaded by a plain <script> tag (UMD). */
  umdPage: Page;
  /** A token the broker accepts, valid for an hour. */
  token: string;
  /** A unique topic prefix for the test, so parallel workers never see each other's messages. */
  topicPrefix: string;
}

const certDir = mkdtempSync(join(tmpdir(), 'webmqtt-e2e-certs-'));

async function openSdkPage(page: Page, siteUrl: string, path: string): Promise<Page> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${siteUrl}${path}`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  expect(problems).toEqual([]);
  return page;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  broker: [
    async ({}, use) => {
      const broker = await startBroker({ wsPort: 0, wssPort: 0, certDir, auth: { jwt: { secret: 'e2e-secret-that-is-long-enough-for-hs256' }, disconnectOnExpiry: true } });
      await use(broker);
      await broker.stop();
    },
    { scope: 'worker' },
  ],
  site: [
    async ({}, use) => {
      const server = await startStaticServer();
      await use({ url: server.url });
      await server.close();
    },
    { scope: 'worker' },
  ],
  esmPage: async ({ page, site }, use) => {
    await use(await openSdkPage(page, site.url, '/esm.html'));
  },
  umdPage: async ({ page, site }, use) => {
    await use(await openSdkPage(page, site.url, '/umd.html'));
  },
  token: async ({ broker }, use) => {
    await use(await broker.issueToken({ sub: 'e2e', ttl: 3600 }));
  },
  topicPrefix: async ({}, use, testInfo) => {
    await use(`e2e/${testInfo.workerIndex}/${testInfo.testId}`);
  },
});

export { expect };
