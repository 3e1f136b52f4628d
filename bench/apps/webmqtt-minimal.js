// bench/size/minimal-app.mjs as a page: connect, subscribe, publish, against the broker in ?broker=.
// window.bench says, in performance.now() time (ms since navigation start), when connect() was called, when the
// client's state event said `connected` and when the QoS 1 publish was acknowledged (bench/suites/page-load.mjs).
import { createClient } from '@webmqtt/client';

const bench = (window.bench = {});
try {
  const client = createClient({ url: new URLSearchParams(location.search).get('broker') });
  client.on('state', ({ current }) => {
    if (current === 'connected') bench.connectedAt ??= performance.now();
  });
  bench.connectCalledAt = performance.now();
  await client.connect();
  await client.subscribe('sensors/+/temperature', (msg) => console.log(msg.topic, msg.text()));
  await client.publish('sensors/1/temperature', '21.5', { qos: 1 });
  bench.doneAt = performance.now();
} catch (error) {
  bench.error = String(error?.message ?? error);
}
