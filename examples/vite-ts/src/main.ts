// The seed's round trip in a typed page: connect, subscribe, publish Hello World, show what happens, close.
// The badge shows the connection state and, while reconnecting, the seconds until the next attempt.
import { createClient, isWebMqttError, type ConnectionState, type Message, type StateChange } from '@webmqtt/client';

const url = new URLSearchParams(location.search).get('url') ?? 'ws://localhost:8084/mqtt';
const topic = 'sensors/temperature';

const badge = document.querySelector<HTMLSpanElement>('#badge')!;
const retry = document.querySelector<HTMLButtonElement>('#retry')!;
const logElement = document.querySelector<HTMLPreElement>('#log')!;
document.querySelector('#url')!.textContent = url;

function log(line: string): void {
  logElement.textContent += `${line}\n`;
}

/** What the badge says for each state; a Record over ConnectionState, so a new state fails to compile here. */
const LABELS: Record<ConnectionState, string> = {
  idle: 'idle',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting',
  offline: 'offline (the browser says so)',
  closed: 'closed',
  failed: 'failed',
};

let countdown: ReturnType<typeof setInterval> | undefined;

/** The badge for one state change: the state's name, a countdown while a retry is scheduled. */
function showState({ current, retryInMs, reason }: StateChange): void {
  clearInterval(countdown);
  badge.dataset['state'] = current;
  badge.textContent = LABELS[current];
  badge.title = reason ? `${reason.code}: ${reason.message}` : '';
  if (current === 'reconnecting' && retryInMs !== undefined) {
    const at = Date.now() + retryInMs;
    const tick = (): void => {
      badge.textContent = `reconnecting in ${Math.max(0, Math.ceil((at - Date.now()) / 1000))} s`;
    };
    tick();
    countdown = setInterval(tick, 250);
  }
  // 'failed' is terminal until connect() is called again.
  retry.hidden = current !== 'failed';
}

log('Connecting client...');
const client = createClient({
  url,
  clean: true,
  clientId: 'tbmq_websockets_client_id',
  username: 'tbmq_websockets_username',
  password: null,
  reconnect: { maxAttempts: 3 },
});

client.on('state', (change) => {
  showState(change);
  if (change.current === 'reconnecting') log('Reconnecting...');
  if (change.current === 'closed') log('Closing client...');
});
client.on('connect', () => log('Client connected!'));
client.on('error', (error) => log(`Error:  ${error.code}: ${error.message}`));
client.on('packet', ({ direction, packet }) => log(`${direction === 'in' ? 'Packet receive...' : 'Packet send...'} ${String(packet['cmd'])}`));

async function run(): Promise<void> {
  try {
    await client.connect();
    await client.subscribe(topic, (received: Message) => {
      log(`Received message. Payload: ${received.text()}. Topic: ${received.topic}`);
      void client.close();
    });
    await client.publish(topic, 'Hello World');
  } catch (error) {
    log(isWebMqttError(error) ? `Error:  ${error.code}: ${error.message}` : `Error:  ${String(error)}`);
  }
}

retry.addEventListener('click', () => void run());
void run();
