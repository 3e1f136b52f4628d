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

declare global {
  interface Window {
    roundTrip: typeof roundTrip;
    appReady: boolean;
  }
}

window.roundTrip = roundTrip;
window.appReady = true;
