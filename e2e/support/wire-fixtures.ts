import { test as base, expect } from './fixtures';
import { startWireProxy, type MqttWireProxy } from './mqtt-wire-proxy';

export type { E2EAuth } from './fixtures';

/** One `state` event as the e2e harness (e2e/pages/harness.js) records it. */
export interface RecordedState {
  previous: string;
  current: string;
  attempt?: number;
  retryInMs?: number;
  code?: string;
  reasonMessage?: string;
  /** The page's Date.now() when it was emitted. */
  at: number;
}

/** The e2e fixtures plus `wireProxy`: a reading proxy (mqtt-wire-proxy.ts) in front of the test's broker, one per test. */
export const test = base.extend<{ wireProxy: MqttWireProxy }>({
  wireProxy: async ({ broker, page }, use) => {
    const proxy = await startWireProxy(broker.urls.ws);
    await use(proxy);
    // The page's clients go first: one still retrying would otherwise knock until the page closes.
    await page.evaluate(() => Promise.all(((window as any).harnesses ?? []).map((h: any) => h.client.close()))).catch(() => undefined);
    await proxy.stop();
  },
});

export { expect };
