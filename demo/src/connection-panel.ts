import type { ClientOptions, WebMqttClient } from '@webmqtt/client';
import { byId } from './dom';
import type { DemoConfig, Sdk } from './sdk';
import type { Session } from './session';

// Slower than the SDK default so people can watch the countdown: the first retry comes
// after 1–2 s, then 2–4 s, … up to 30 s ("equal" jitter never retries at once). The attempt
// count starts over after 3 s of stable connection, so each "break" starts again at attempt 1.
const DEMO_RECONNECT = { initialDelayMs: 2_000, maxDelayMs: 30_000, factor: 2, jitter: 'equal', resetAfterMs: 3_000 } as const;

const DROP_PATH = '/__webmqtt/drop';
// The dev broker refuses a drop without it (CONTROL_HEADER in @webmqtt/broker), so that a form or
// a no-cors request from another site cannot cut the connections.
const CONTROL_HEADER = { 'x-webmqtt-control': '1' };

/** The connection form: builds ClientOptions from the fields, connect / disconnect / break. */
export function mountConnectionPanel(
  sdk: Sdk,
  session: Session,
  config: DemoConfig,
  badge: { showFailure(code: string): void },
): void {
  const form = byId<HTMLFormElement>('connect-form');
  const url = byId<HTMLInputElement>('url');
  const clientId = byId<HTMLInputElement>('client-id');
  const share = byId<HTMLInputElement>('share');
  byId<HTMLAnchorElement>('another-tab').href = location.href;
  const token = byId<HTMLInputElement>('token');
  const tokenToggle = byId<HTMLButtonElement>('token-toggle');
  const protocol = byId<HTMLSelectElement>('protocol');
  const keepalive = byId<HTMLInputElement>('keepalive');
  const clean = byId<HTMLInputElement>('clean');
  const connectButton = byId<HTMLButtonElement>('connect');
  const disconnectButton = byId<HTMLButtonElement>('disconnect');
  const breakButton = byId<HTMLButtonElement>('break');
  const note = byId('connection-note');
  const urls = byId<HTMLDataListElement>('broker-urls');

  url.value = config.brokerUrls.ws;
  token.value = config.token;
  clientId.value = `demo-${Math.random().toString(36).slice(2, 8)}`;
  for (const [kind, value] of Object.entries(config.brokerUrls)) {
    if (!value) continue;
    const option = document.createElement('option');
    option.value = value;
    option.label = kind === 'wss' ? 'WSS (self-signed certificate)' : 'WebSocket';
    urls.append(option);
  }

  tokenToggle.addEventListener('click', () => {
    const show = token.type === 'password';
    token.type = show ? 'text' : 'password';
    tokenToggle.textContent = show ? 'Hide' : 'Show';
    tokenToggle.setAttribute('aria-pressed', String(show));
  });

  let connectedUrl = '';
  const optionsFromForm = (): ClientOptions => {
    const version = protocol.value === 'auto' ? 'auto' : (Number(protocol.value) as 4 | 5);
    const options: ClientOptions = {
      url: url.value.trim(),
      protocolVersion: version,
      clean: clean.checked,
      keepalive: Number(keepalive.value),
      reconnect: DEMO_RECONNECT,
    };
    if (clientId.value.trim()) options.clientId = clientId.value.trim();
    // Named after the URL alone: each tab has its own random client id, and the tab that leads connects with its own.
    if (share.checked) options.shareAcrossTabs = { name: `webmqtt-demo ${options.url as string}` };
    if (token.value.trim()) options.auth = { token: token.value.trim() };
    return options;
  };

  const buttonsFor = (client: WebMqttClient | undefined): void => {
    const live = client !== undefined && client.state !== 'closed';
    disconnectButton.disabled = !live;
    breakButton.disabled = !live || client.state !== 'connected';
    connectButton.textContent = live ? 'Reconnect' : 'Connect';
    connectButton.title = live ? 'Close this client and connect again with the settings above' : '';
  };

  session.onClient((client) => client.on('state', () => buttonsFor(client)));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    note.textContent = '';
    let client: WebMqttClient;
    const options = optionsFromForm();
    void (async () => {
      try {
        client = await session.open(options);
      } catch (error) {
        // Bad options throw synchronously from createClient(), naming the field.
        const code = sdk.isWebMqttError(error) ? error.code : 'ERROR';
        badge.showFailure(code);
        note.textContent = error instanceof Error ? error.message : String(error);
        return;
      }
      connectedUrl = options.url as string;
      buttonsFor(client);
      try {
        await client.connect();
      } catch (error) {
        // The badge already shows `failed` with the code; say why in words here.
        if (session.client === client && error instanceof Error) note.textContent = error.message;
      }
    })();
  });

  disconnectButton.addEventListener('click', () => {
    note.textContent = '';
    void session.close().then(() => buttonsFor(session.client));
  });

  breakButton.addEventListener('click', () => {
    void breakConnection();
  });

  // The dev broker's control endpoint lives on the same port as the WebSocket, over HTTP(S).
  async function breakConnection(): Promise<void> {
    let endpoint: string;
    try {
      const ws = new URL(connectedUrl);
      endpoint = `${ws.protocol === 'wss:' ? 'https:' : 'http:'}//${ws.host}${DROP_PATH}`;
    } catch {
      note.textContent = 'The broker URL is not a URL the control endpoint can be derived from.';
      return;
    }
    breakButton.disabled = true;
    try {
      const response = await fetch(endpoint, { method: 'POST', headers: CONTROL_HEADER });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { dropped?: number };
      note.textContent = `The broker dropped ${body.dropped ?? 'its'} connection${body.dropped === 1 ? '' : 's'}. Watch the badge back off and reconnect; publishes meanwhile wait in the offline queue.`;
    } catch (error) {
      note.textContent = `Could not reach ${endpoint} (${error instanceof Error ? error.message : String(error)}). Only the webmqtt dev broker with controlEndpoints has it.`;
      buttonsFor(session.client);
    }
  }
}
