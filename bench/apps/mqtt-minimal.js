// The same app on MQTT.js alone (its defaults): connect, subscribe, publish; window.bench as in webmqtt-minimal.js,
// `connectedAt` when MQTT.js emits `connect` (CONNACK received).
import mqtt from 'mqtt';

const bench = (window.bench = {});
try {
  bench.connectCalledAt = performance.now();
  const client = mqtt.connect(new URLSearchParams(location.search).get('broker'));
  await new Promise((resolve, reject) => {
    client.once('connect', () => resolve((bench.connectedAt = performance.now())));
    client.once('error', reject);
  });
  client.on('message', (topic, payload) => console.log(topic, payload.toString()));
  await client.subscribeAsync('sensors/+/temperature');
  await client.publishAsync('sensors/1/temperature', '21.5', { qos: 1 });
  bench.doneAt = performance.now();
} catch (error) {
  bench.error = String(error?.message ?? error);
}
