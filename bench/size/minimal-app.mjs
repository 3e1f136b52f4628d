// The smallest useful app: connect, subscribe, publish.
import { createClient } from '@webmqtt/client';

const client = createClient({ url: 'wss://broker.example.com/mqtt' });
await client.connect();
await client.subscribe('sensors/+/temperature', (msg) => console.log(msg.topic, msg.text()));
await client.publish('sensors/1/temperature', '21.5', { qos: 1 });
