import { mountChart } from './chart-panel';
import { mountConnectionPanel } from './connection-panel';
import { byId } from './dom';
import { mountMessageLog } from './message-log';
import { mountPacketTrace } from './packet-trace-panel';
import { mountPublishPanel } from './publish-panel';
import type { AppDeps, DemoConfig } from './sdk';
import { mountSensorSimulator } from './sensor-simulator';
import { Session } from './session';
import { mountStateBadge } from './state-badge';
import { mountSubscriptionsPanel } from './subscriptions-panel';

/**
 * Wires the page. Both variants call this with the SDK they loaded (ESM import or UMD global),
 * so the page code never knows which one it got.
 */
export async function startApp({ sdk, uPlot }: AppDeps): Promise<void> {
  let config: DemoConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    byId('connection-note').textContent = `Cannot load the demo configuration (${error instanceof Error ? error.message : String(error)}). Is npm start still running?`;
    return;
  }
  const session = new Session(sdk);
  const badge = mountStateBadge(session);
  const colours = mountSubscriptionsPanel(sdk, session);
  mountMessageLog(session, colours);
  mountChart(uPlot, session);
  mountPublishPanel(sdk, session);
  mountSensorSimulator(session);
  mountPacketTrace(session);
  mountConnectionPanel(sdk, session, config, badge);
  document.documentElement.dataset['ready'] = 'true';
}

// The broker URLs and the dev token come from the demo server, never from the page source.
async function loadConfig(): Promise<DemoConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered HTTP ${response.status}`);
  return (await response.json()) as DemoConfig;
}
