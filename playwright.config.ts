import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import type { BrokerKind } from './e2e/support/fixtures';

// Debian's Chromium where it exists (Playwright cannot download browsers on every machine);
// WEBMQTT_CHROMIUM overrides; otherwise Playwright's own browser.
const chromium = process.env['WEBMQTT_CHROMIUM'] ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

// Specs proving a capability every broker must have run in both projects; the rest (dev-broker
// features, bundles, toolchains, demo) run once, against aedes. mqtt5/interop/overlapping skip
// themselves per test where a broker lacks what they need.
const everyBroker = /(^|\/)(seed-scenario|qos-retain-will|reconnect|browser-lifecycle|wss|offline-queue[\w-]*|auth-failure|token-auth|mqtt5|interop|overlapping-subscriptions|receive-maximum|tabs)\.spec\.ts$/;

export default defineConfig<{ brokerKind: BrokerKind }>({
  testDir: './e2e',
  testMatch: /.*\.spec\.ts/,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: process.env['CI'] ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      ...(chromium ? { executablePath: chromium } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'aedes', use: { brokerKind: 'aedes' } },
    // Needs /usr/sbin/mosquitto (Debian's mosquitto 2.0): skipped without it, a failure under CI=true.
    { name: 'mosquitto', use: { brokerKind: 'mosquitto' }, testMatch: everyBroker },
  ],
});
