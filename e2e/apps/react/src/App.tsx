import { useEffect, useState } from 'react';
import { MqttProvider, useMqttState, usePublish, useSubscription } from '@webmqtt/react';

/** What the page is started with (the spec calls window.startApp); the server renders with the same minus the token. */
export interface AppConfig {
  url: string;
  token: string;
  /** Topic prefix: readings arrive on `${prefix}/readings/<room>`, the button publishes to `${prefix}/commands`. */
  prefix: string;
  /** How many components subscribe to the readings filter (they share one SUBSCRIBE). */
  listeners?: number;
}

function StateBadge() {
  const { state, attempt, retryInMs, role } = useMqttState();
  // Every state this component rendered, for the spec (a quick reconnect can pass between two of its polls).
  useEffect(() => {
    if (typeof window !== 'undefined') ((window as unknown as { renderedStates?: string[] }).renderedStates ??= []).push(state);
  }, [state]);
  return (
    <p>
      State: <output id="state" data-state={state} data-role={role}>{state}</output>
      {state === 'reconnecting' && <span id="retry">{` attempt ${attempt ?? '?'}, next in ${retryInMs ?? '?'} ms`}</span>}
    </p>
  );
}

function Readings(props: { filter: string }) {
  const { messages, error, subscribed } = useSubscription(props.filter, { qos: 1, keep: 20 });
  if (error) return <p id="readings-error">{error.code}</p>;
  return (
    <ul id="readings" data-subscribed={String(subscribed)}>
      {messages.map((m, i) => (
        <li key={i}>{`${m.topic.split('/').pop()}: ${m.text()}`}</li>
      ))}
    </ul>
  );
}

/** More components on the same filter: the client shares one SUBSCRIBE among them. */
function LatestReading(props: { filter: string; index: number }) {
  const { message } = useSubscription(props.filter, { qos: 1 });
  return <span className="latest" data-index={props.index}>{message?.text() ?? '-'}</span>;
}

function PublishButton(props: { topic: string }) {
  const publish = usePublish();
  const [sent, setSent] = useState(0);
  return (
    <p>
      <button
        id="publish"
        onClick={() => {
          void publish(props.topic, `lights on ${sent + 1}`, { qos: 1 }).then(() => setSent((n) => n + 1));
        }}
      >
        Lights on
      </button>{' '}
      <output id="sent">{sent}</output>
    </p>
  );
}

export function App({ url, token, prefix, listeners = 5 }: AppConfig) {
  const filter = `${prefix}/readings/+`;
  return (
    <MqttProvider options={{ url, auth: { token }, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 } }}>
      <h1>webmqtt in a React app</h1>
      <StateBadge />
      <Readings filter={filter} />
      <p>
        {Array.from({ length: listeners - 1 }, (_, i) => (
          <LatestReading key={i} filter={filter} index={i} />
        ))}
      </p>
      <PublishButton topic={`${prefix}/commands`} />
    </MqttProvider>
  );
}
