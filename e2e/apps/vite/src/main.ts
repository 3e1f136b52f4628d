// What a user writes: a bare import of the package, nothing else. No `global`, `Buffer` or
// `process` shim anywhere, no Vite config: if MQTT.js's Node build leaked in, this page would throw.
import { createClient, isWebMqttError, type Message } from '@webmqtt/client';

interface RoundTrip {
  received: string;
  state: string;
  isError: boolean;
}

const stateOutput = document.querySelector<HTMLOutputElement>('#state')!;
const log = document.querySelector<HTMLUListElement>('#log')!;

/** Connects, subscribes, publishes and waits for the message to come back; the spec calls it. */
async function roundTrip(url: string, token: string, topic: string): Promise<RoundTrip> {
  const client = createClient({ url, auth: { token }, reconnect: { maxAttempts: 3 } });
  client.on('state', ({ current }) => {
    stateOutput.value = current;
  });
  try {
    await client.connect();
    const arrived = new Promise<Message>((resolve) => {
      void client.subscribe(topic, resolve, { qos: 1 }).then(() => client.publish(topic, 'hello from vite', { qos: 1 }));
    });
    const message = await arrived;
    const item = document.createElement('li');
    item.textContent = `${message.topic}: ${message.text()}`;
    log.append(item);
    const state = client.state;
    await client.close();
    return { received: message.text(), state, isError: false };
  } catch (error) {
    await client.close();
    return { received: '', state: client.state, isError: isWebMqttError(error) };
  }
}

/**
 * A provider whose tokens live 2.5 s (refreshBeforeExpiryMs 1 s): the client renews the token with the refresh code,
 * a chunk the bundler split off and the page fetches after the first CONNACK. Resolves with the reasons the
 * provider was asked with once the client is connected again after the renewal.
 */
async function refreshRound(url: string, token: string): Promise<string[]> {
  const reasons: string[] = [];
  const client = createClient({
    url,
    auth: { token: ({ reason }) => (reasons.push(reason), { token, expiresAt: Date.now() + 2_500 }), refreshBeforeExpiryMs: 1_000 },
    reconnect: { maxAttempts: 3 },
  });
  try {
    await client.connect();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no renewal within 10 s (reasons ${reasons.join(', ')})`)), 10_000);
      client.on('state', ({ current }) => {
        if (current === 'connected' && reasons.includes('expiring')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return reasons;
  } finally {
    await client.close();
  }
}

declare global {
  interface Window {
    refreshRound: typeof refreshRound;
    roundTrip: typeof roundTrip;
    appReady: boolean;
  }
}

window.roundTrip = roundTrip;
window.refreshRound = refreshRound;
window.appReady = true;
