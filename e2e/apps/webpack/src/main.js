// What a user writes: a bare import of the package, nothing else. No `global`, `Buffer` or
// `process` shim, no resolve.fallback, no ProvidePlugin: if MQTT.js's Node build leaked in, webpack 5
// would fail the build or this page would throw.
import { createClient, isWebMqttError } from '@webmqtt/client';

const stateOutput = document.querySelector('#state');
const log = document.querySelector('#log');

/** Connects, subscribes, publishes and waits for the message to come back; the spec calls it. */
async function roundTrip(url, token, topic) {
  const client = createClient({ url, auth: { token }, reconnect: { maxAttempts: 3 } });
  client.on('state', ({ current }) => {
    stateOutput.value = current;
  });
  try {
    await client.connect();
    const message = await new Promise((resolve) => {
      void client.subscribe(topic, resolve, { qos: 1 }).then(() => client.publish(topic, 'hello from webpack', { qos: 1 }));
    });
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

window.roundTrip = roundTrip;
window.appReady = true;
