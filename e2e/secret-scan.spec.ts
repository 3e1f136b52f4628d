import { expect, test } from '@playwright/test';
import { captureSecretSurfaces } from './support/secret-scan';
import { startStaticServer } from './support/static-server';

// Controls for the secret scan every e2e test runs (e2e/support/fixtures.ts): it must see a secret that reaches
// what an inspector or serializer shows of a client, and it must have turned MQTT.js-style debug logging on.
// Plain Playwright pages here (not the fixtures' page): these tests expect leaks, the fixture would fail them.

const SECRET = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzY2FuLWNvbnRyb2wifQ.c2lnbmF0dXJlLW9mLXRoZS1jb250cm9s';

let site: { url: string; close(): Promise<void> };
test.beforeAll(async () => {
  site = await startStaticServer();
});
test.afterAll(async () => {
  await site.close();
});

for (const [bundle, path] of [['ESM', '/esm.html'], ['UMD', '/umd.html']] as const) {
  test(`${bundle}: what JSON.stringify, an enumerable walk and console.log of a new client show is scanned (a client id used as the needle)`, async ({ page }) => {
    const scan = await captureSecretSurfaces(page);
    await page.goto(`${site.url}${path}`);
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    // A "secret" the client shows on purpose (its client id): what the tap's inspection of a new client must reach.
    await page.evaluate((secret) => {
      (window as any).WebMqtt.createClient({ url: 'ws://127.0.0.1:9/mqtt', clientId: secret, reconnect: false });
    }, SECRET);
    const leaks = await scan.leaks([SECRET]);
    // Found in the tap's JSON.stringify / enumerable walk (event) and in console.log(client)'s value (console).
    expect([...new Set(leaks.map((l) => l.source))].sort()).toEqual(['console', 'event']);
  });

  test(`${bundle}: the scan turns debug logging on (localStorage.debug), and the SDK logs nothing of its own`, async ({ page }) => {
    const scan = await captureSecretSurfaces(page);
    await page.goto(`${site.url}${path}`);
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    expect(await page.evaluate(() => localStorage.getItem('debug'))).toBe('*');
    // A client that fails to connect goes through the code paths where a debug module would print.
    await page.evaluate(async () => {
      const client = (window as any).WebMqtt.createClient({ url: 'ws://127.0.0.1:9/mqtt', reconnect: false });
      await client.connect().catch(() => undefined);
      await client.close();
    });
    const logged = scan.captured.filter((c) => c.source === 'console' && /mqttjs|mqtt-packet/.test(c.text));
    expect(logged).toEqual([]);
    // And the client was inspected by the tap (its JSON is among the captured texts).
    expect(scan.captured.some((c) => c.source === 'event' && c.text.includes('client created: JSON.stringify'))).toBe(true);
  });
}
