// The seed's ws_example.js, ported to webmqtt (CommonJS). MQTT_URL overrides the broker.
const { createClient } = require('@webmqtt/client');

const url = process.env.MQTT_URL ?? 'ws://localhost:8084/mqtt';
const topic = 'sensors/temperature';
const message = 'Hello World';
const options = {
  url,
  clean: true,
  clientId: 'tbmq_websockets_client_id',
  username: 'tbmq_websockets_username',
  password: null,
  // MQTT.js retries forever; a script should give up and say why.
  reconnect: { maxAttempts: 3 },
};

console.log('Connecting client...');
const client = createClient(options);

client.on('connect', () => {
  console.log('Client connected!');
});
client.on('error', (error) => {
  console.log('Error: ', `${error?.code}: ${error?.message}`);
});
// MQTT.js's 'packetsend' and 'packetreceive' are one 'packet' event with a direction.
client.on('packet', ({ direction, packet }) => {
  console.log(direction === 'in' ? 'Packet receive...' : 'Packet send...', packet);
});
// MQTT.js's 'reconnect' and 'close' are changes of one 'state'.
client.on('state', ({ current }) => {
  if (current === 'reconnecting') console.log('Reconnecting...');
  if (current === 'closed') console.log('Closing client...');
});

client
  .connect()
  .then(() =>
    client.subscribe(topic, (received) => {
      console.log(`Received message. Payload: ${received.text()}. Topic: ${received.topic}`);
      void client.close();
    }),
  )
  .then(() => client.publish(topic, message))
  .catch((error) => {
    // connect() rejects once the client gives up: a certificate or handshake problem at once, others after 3 attempts.
    console.log('Error: ', `${error?.code}: ${error?.message}`);
    process.exitCode = 1;
  });
