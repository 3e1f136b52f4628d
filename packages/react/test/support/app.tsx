import type { ClientOptions, WebMqttClient } from '@webmqtt/client';
import { MqttProvider, useMqttState, useSubscription } from '../../src/index';

function Badge() {
  const { state, role } = useMqttState();
  return <output id="state">{`${state} (${role})`}</output>;
}

function Readings() {
  const { messages, error } = useSubscription('sensors/+/temperature', { qos: 1, keep: 5 });
  if (error) return <p id="error">{error.code}</p>;
  return (
    <ul id="readings">
      {messages.map((m, i) => (
        <li key={i}>{m.text()}</li>
      ))}
    </ul>
  );
}

/** A small page of the hooks, rendered on the server and hydrated in the SSR tests. */
export function SsrApp(props: { client: WebMqttClient } | { options: ClientOptions }) {
  return (
    <MqttProvider {...props}>
      <h1>Dashboard</h1>
      <Badge />
      <Readings />
    </MqttProvider>
  );
}
