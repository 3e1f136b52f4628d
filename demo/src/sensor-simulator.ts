import { byId } from './dom';
import type { Session } from './session';

const PERIOD_MS = 1_000;

/** Turns a free-text name into one topic level (no `/`, `+`, `#`). */
export function sensorLevel(name: string): string {
  const level = name.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return level || 'sensor';
}

/**
 * "Simulate sensor": publishes a drifting temperature to sensors/<name>/temperature every second,
 * through the same client, so it queues while disconnected like any app's publishes would.
 */
export function mountSensorSimulator(session: Session): void {
  const toggle = byId<HTMLInputElement>('simulate');
  const name = byId<HTMLInputElement>('sensor-name');
  const topicLabel = byId('sensor-topic');
  const note = byId('publish-note');
  let timer: ReturnType<typeof setInterval> | undefined;
  let value = 20 + Math.random() * 3;

  const topic = (): string => `sensors/${sensorLevel(name.value)}/temperature`;

  const tick = (): void => {
    const client = session.client;
    if (!client) return stop();
    value += (Math.random() - 0.5) * 0.6 + (21.5 - value) * 0.05;
    client.publish(topic(), value.toFixed(2), { qos: 0 }).catch(() => {});
  };

  const start = (): void => {
    if (!session.client) {
      toggle.checked = false;
      note.textContent = 'Connect first, then simulate a sensor.';
      return;
    }
    tick();
    timer = setInterval(tick, PERIOD_MS);
  };

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
    toggle.checked = false;
  }

  toggle.addEventListener('change', () => (toggle.checked ? start() : stop()));
  name.addEventListener('input', () => {
    topicLabel.textContent = topic();
  });
  session.onClient((client) => client.on('state', ({ current }) => {
    if (current === 'closed' || current === 'failed') stop();
  }));
}
