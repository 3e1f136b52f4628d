import { describe, expect, it, vi } from 'vitest';
import { createClient } from '../src/client';
import { fakeFactory, flush, ManualClock } from './support/fake-mqtt';
import { FakeTabs } from './support/fake-tabs';

// The relay chunk fails to load (a redeploy removed it): the tab connects alone rather than not at all.
vi.mock('../src/tabs/shared-link', () => {
  throw new Error('Failed to fetch dynamically imported module');
});

describe('shareAcrossTabs when the relay chunk cannot load', () => {
  it("connects alone, role 'solo'", async () => {
    const mqtt = fakeFactory();
    const client = createClient({
      url: 'wss://broker.example.com:8085/mqtt',
      clientId: 'dashboard',
      clock: new ManualClock(),
      mqttFactory: mqtt.factory,
      browserSignals: null,
      shareAcrossTabs: true,
      tabPlatform: new FakeTabs().platform('tab1'),
    });
    const done = client.connect();
    await flush();
    mqtt.fake.acceptConnack();
    await done;
    expect(client.role).toBe('solo');
    expect(client.state).toBe('connected');
  });
});
