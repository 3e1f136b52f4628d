// The seed's wss_example.js, ported to webmqtt (CommonJS): mutual TLS from Node.js.
// MQTT_URL, MQTT_KEY_FILE, MQTT_CERT_FILE and MQTT_CA_FILE override the seed's values.
const { readFileSync } = require('node:fs');
const { createClient } = require('@webmqtt/client');

const url = process.env.MQTT_URL ?? 'wss://localhost:8085/mqtt';
const topic = 'sensors/temperature';
const message = 'Hello World';
const keyFile = process.env.MQTT_KEY_FILE ?? '/path/to/your/client/key/file.pem';
const certFile = process.env.MQTT_CERT_FILE ?? '/path/to/your/client/cert/file.pem';
const caFile = process.env.MQTT_CA_FILE ?? '/path/to/your/ca/cert/file.pem';
const options = {
  url,
  clean: true,
  clientId: 'tbmq_websockets_client_id',
  username: null,
  password: null,
  // MQTT.js retries forever; a script should give up and say why.
  reconnect: { maxAttempts: 3 },
};

try {
  // MQTT.js takes key/cert/ca/rejectUnauthorized at the top level; webmqtt keeps them under `tls`.
  options.tls = {
    key: readFileSync(keyFile),
    cert: readFileSync(certFile),
    ca: readFileSync(caFile),
    rejectUnauthorized: true,
  };
} catch (err) {
  console.error('Error reading certificate file:', err);
  process.exit(1);
}

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
