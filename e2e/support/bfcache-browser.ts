import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page, type TestInfo } from '@playwright/test';
import sirv from 'sirv';
import { listenOnLoopback } from './static-server';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A Chromium with the back-forward cache on, and the e2e pages served as a production server would (cacheable).
 * Playwright launches Chromium with --disable-back-forward-cache; and the shared static server runs sirv in dev
 * mode, whose `Cache-Control: no-store` keeps a page that used a WebSocket out of the bfcache
 * ("websocket-used-with-ccns").
 */
export interface BfcacheBrowser {
  readonly browser: Browser;
  /** The pages at /, the client's dist at /dist. */
  readonly siteUrl: string;
  close(): Promise<void>;
}

export async function launchBfcacheBrowser(testInfo: TestInfo): Promise<BfcacheBrowser> {
  const launchOptions = (testInfo.project.use as { launchOptions?: Parameters<typeof chromium.launch>[0] }).launchOptions ?? {};
  const browser = await chromium.launch({ ...launchOptions, headless: true, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  const dist = sirv(`${root}/packages/client/dist`, { maxAge: 60 });
  const pages = sirv(`${root}/e2e/pages`, { maxAge: 60 });
  const site = await listenOnLoopback(createServer((req, res) => {
    const notFound = (): void => {
      res.statusCode = req.url === '/favicon.ico' ? 204 : 404;
      res.end();
    };
    if (req.url?.startsWith('/dist/')) {
      req.url = req.url.slice('/dist'.length);
      dist(req, res, notFound);
    } else pages(req, res, notFound);
  }));
  return {
    browser,
    siteUrl: site.url,
    close: async () => {
      await browser.close();
      await site.close();
    },
  };
}

/**
 * Goes back and tells whether Chromium restored the page from the bfcache (its objects are still there) or
 * loaded it again, with the reasons Chromium gives for the latter. A restore fires no load event: this waits
 * for the commit, then for the document.
 */
export async function goBackFromBfcache(page: Page, marker: string): Promise<{ restored: boolean; notRestoredReasons: string }> {
  await page.goBack({ waitUntil: 'commit' });
  await page.waitForFunction(() => document.readyState === 'complete');
  const restored = await page.evaluate((marker) => (window as unknown as Record<string, unknown>)[marker] !== undefined, marker);
  const notRestoredReasons = await page.evaluate(() => JSON.stringify((performance.getEntriesByType('navigation')[0] as unknown as { notRestoredReasons?: unknown })?.notRestoredReasons ?? null));
  return { restored, notRestoredReasons };
}
