// What a strict TypeScript app writes against @webmqtt/client (the README's typed snippets): it must type-check with
// exactOptionalPropertyTypes, against the published declarations.
import { createClient, isWebMqttError, ErrorCode, type ConnectionState, type StateChange, type ClientEvents, type ErrorCodeValue, type Message, type QoS } from '@webmqtt/client';

declare const maybeQos: QoS | undefined;
declare const maybeRetain: boolean | undefined;
declare const maybeSignal: AbortSignal | undefined;
declare const badge: { textContent: string | null };

const client = createClient({
  url: 'wss://broker.example.com:8085/mqtt',
  clientId: undefined,
  username: 'dashboard',
  password: null,
  reconnect: { maxAttempts: undefined, jitter: 'full' },
  offlineQueue: { maxMessages: undefined },
  tls: undefined,
});

// A state badge with the retry countdown.
function render(change: StateChange): string {
  const state: ConnectionState = change.current;
  if (state === 'reconnecting' && change.retryInMs !== undefined) return `reconnecting in ${Math.ceil(change.retryInMs / 1000)} s (attempt ${change.attempt ?? 1})`;
  if (state === 'failed' && change.reason) return `failed: ${change.reason.code}`;
  return state;
}
const onState: ClientEvents['state'] = (change) => {
  badge.textContent = render(change);
};
client.on('state', onState);

// Optional fields take `undefined`.
void client.publish('sensors/temperature', 'Hello World', { qos: maybeQos, retain: maybeRetain, properties: undefined });
void client.subscribe('sensors/#', (msg: Message) => void new Blob([msg.payload]), { qos: maybeQos });
void client.request('rpc/time', 'now', { timeoutMs: undefined, signal: maybeSignal });
for await (const msg of client.messages('sensors/#', { signal: maybeSignal })) void msg.text();

// Errors by code.
try {
  await client.connect();
} catch (error) {
  if (isWebMqttError(error)) {
    const code: ErrorCodeValue = error.code;
    if (code === ErrorCode.TLS_FAILED || code === ErrorCode.HANDSHAKE_REJECTED || code === ErrorCode.AUTH_FAILED) console.error(error.message);
  }
}
// "Retry now": connect() while reconnecting attempts at once.
void client.connect();
