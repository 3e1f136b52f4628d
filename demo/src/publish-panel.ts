import type { QoS } from '@webmqtt/client';
import { byId, plural } from './dom';
import type { Sdk } from './sdk';
import type { Session } from './session';

/**
 * The publish form and the offline-queue line. While the client is not connected, publishes
 * wait in the SDK's offline queue; the line shows its size from `queue` events, then what was
 * flushed once the connection is back.
 */
export function mountPublishPanel(sdk: Sdk, session: Session): void {
  const form = byId<HTMLFormElement>('publish-form');
  const topic = byId<HTMLInputElement>('publish-topic');
  const payload = byId<HTMLTextAreaElement>('payload');
  const qos = byId<HTMLSelectElement>('publish-qos');
  const retain = byId<HTMLInputElement>('retain');
  const note = byId('publish-note');
  const queue = byId('queue-status');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const client = session.client;
    if (!client) {
      note.textContent = 'Connect first.';
      return;
    }
    const target = topic.value.trim();
    const waiting = client.state !== 'connected';
    note.textContent = waiting ? `Queued for ${target}: sent when the connection is back.` : `Publishing to ${target}…`;
    client.publish(target, payload.value, { qos: Number(qos.value) as QoS, retain: retain.checked }).then(
      () => {
        if (session.client !== client) return;
        note.textContent = waiting ? `Delivered to ${target} after reconnecting.` : `Published to ${target}.`;
      },
      (error: unknown) => {
        note.textContent = sdk.isWebMqttError(error) ? `${error.code}: ${error.message}` : String(error);
      },
    );
  });

  session.onClient((client) => {
    let pending = 0;
    let flushed = 0;
    const render = (size: number, bytes: number, dropped = 0): void => {
      queue.dataset['size'] = String(size);
      if (client.state === 'closed') {
        queue.textContent = '';
      } else if (client.state !== 'connected') {
        queue.textContent = `Offline queue: ${plural(size, 'message')} (${bytes} B), sent on reconnect${dropped ? ` · ${dropped} dropped` : ''}`;
      } else if (size > 0) {
        queue.textContent = `Flushing the offline queue: ${plural(size, 'message')} left`;
      } else if (flushed > 0) {
        queue.textContent = `Offline queue flushed: ${plural(flushed, 'message')} delivered after reconnecting`;
      } else {
        queue.textContent = '';
      }
    };
    const offQueue = client.on('queue', ({ size, bytes, dropped }) => {
      if (client.state !== 'connected') pending = Math.max(pending, size);
      if (client.state === 'connected' && size === 0 && pending > 0) {
        flushed = pending;
        pending = 0;
      }
      render(size, bytes, dropped);
    });
    const offState = client.on('state', ({ current }) => {
      if (current === 'reconnecting' || current === 'offline') flushed = 0;
      if (current === 'connected' && client.queued.size === 0 && pending > 0) {
        flushed = pending;
        pending = 0;
      }
      render(client.queued.size, client.queued.bytes);
    });
    return () => {
      offQueue();
      offState();
    };
  });
}
