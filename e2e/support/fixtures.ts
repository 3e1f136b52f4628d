import { test as base, expect, type Page } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '@webmqtt/broker';
import { startStaticServer } from './static-server';
import { captureSecretSurfaces, type SecretCapture } from './secret-scan';
import { mosquittoAvailable, mosquittoBinary, startMosquitto, type MosquittoBroker } from './mosquitto';

/** Which real broker a Playwright project runs against (see the projects in playwright.config.ts). */
export type BrokerKind = 'aedes' | 'mosquitto';

/** The dev broker (aedes, MQTT 3.1.1 only). */
export type AedesBroker = Broker & { readonly kind: 'aedes' };
/** Either broker; both have urls.ws/wss, issueToken, dropConnections, pause, resume, restart, stop. */
export type E2EBroker = AedesBroker | MosquittoBroker;

/** What to pass as the SDK's `auth` option: aedes reads the JWT from the password; Mosquitto also needs its username. */
export interface E2EAuth {
  token: string;
  username?: string;
}

/** The project option, then a broker and a static server per Playwright worker, all on 127.0.0.1 with free ports. */
interface WorkerFixtures {
  brokerKind: BrokerKind;
  broker: E2EBroker;
  site: { url: string };
}

interface TestFixtures {
  /** Skips (locally) or fails (CI=true) the mosquitto project's tests when the binary is missing. */
  brokerAvailable: void;
  /** A fresh page with the SDK loaded through its ESM browser build. */
  esmPage: Page;
  /** A fresh page with the SDK loaded by a plain <script> tag (UMD). */
  umdPage: Page;
  /** A token the broker accepts, valid for an hour. */
  token: string;
  /** The `auth` option the broker accepts: `{ token }` on aedes, `{ token, username }` on Mosquitto. */
  auth: E2EAuth;
  /** A unique topic prefix for the test, so parallel workers never see each other's messages. */
  topicPrefix: string;
  /**
   * Runs for every test: captures console lines, page errors, request URLs and SDK event payloads,
   * and fails the test when the broker token (or any secret added with addSecret) shows up in them.
   */
  secretScan: SecretCapture;
}

const certDir = mkdtempSync(join(tmpdir(), 'webmqtt-e2e-certs-'));

/** CI=true (or any CI value but "false"/"0"). */
function onCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

function missingMosquitto(): string {
  return `the mosquitto binary is not installed at ${mosquittoBinary} (apt-get install mosquitto mosquitto-clients, or set WEBMQTT_MOSQUITTO)`;
}

async function openSdkPage(page: Page, siteUrl: string, path: string): Promise<Page> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${siteUrl}${path}`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  expect(problems).toEqual([]);
  return page;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  brokerKind: ['aedes', { scope: 'worker', option: true }],
  broker: [
    async ({ brokerKind }, use) => {
      if (brokerKind === 'mosquitto') {
        // Under CI a missing broker is a failure: the suite must not go green by skipping half of it.
        if (!mosquittoAvailable()) throw new Error(missingMosquitto());
        const broker = await startMosquitto({ certDir });
        await use(broker);
        await broker.stop();
        return;
      }
      const broker = await startBroker({ wsPort: 0, wssPort: 0, certDir, auth: { jwt: { secret: 'e2e-secret-that-is-long-enough-for-hs256' }, disconnectOnExpiry: true } });
      await use(Object.assign(broker, { kind: 'aedes' as const }));
      await broker.stop();
    },
    { scope: 'worker' },
  ],
  brokerAvailable: [
    async ({ brokerKind }, use) => {
      if (brokerKind === 'mosquitto' && !mosquittoAvailable() && !onCi()) {
        test.skip(true, `${missingMosquitto()}; with CI=true this fails instead`);
      }
      await use();
    },
    { auto: true },
  ],
  site: [
    async ({}, use) => {
      const server = await startStaticServer();
      await use({ url: server.url });
      await server.close();
    },
    { scope: 'worker' },
  ],
  secretScan: [
    async ({ page, token }, use) => {
      const scan = await captureSecretSurfaces(page);
      await use(scan);
      const leaks = await scan.leaks([token]);
      expect(leaks, `a secret leaked: ${JSON.stringify(leaks)}`).toEqual([]);
    },
    { auto: true },
  ],
  // The pages open after the scan is in place: its event tap is an init script.
  esmPage: async ({ page, site, secretScan: _scan }, use) => {
    await use(await openSdkPage(page, site.url, '/esm.html'));
  },
  umdPage: async ({ page, site, secretScan: _scan }, use) => {
    await use(await openSdkPage(page, site.url, '/umd.html'));
  },
  token: async ({ broker }, use) => {
    await use(await broker.issueToken({ sub: 'e2e', ttl: 3600 }));
  },
  auth: async ({ broker, token }, use) => {
    await use(broker.kind === 'mosquitto' ? { token, username: broker.username } : { token });
  },
  topicPrefix: async ({}, use, testInfo) => {
    await use(`e2e/${testInfo.workerIndex}/${testInfo.testId}`);
  },
});

export { expect };
