import type { QoS, Subscription, WebMqttClient } from '@webmqtt/client';
import { byId, h, plural } from './dom';
import { Palette } from './palette';
import type { Sdk } from './sdk';
import type { Session } from './session';

interface Entry {
  filter: string;
  qos: QoS;
  colour: string;
  count: number;
  handle: Subscription | undefined;
  row: HTMLLIElement;
  status: HTMLElement;
  counter: HTMLElement;
}

/** What the message log needs from the subscriptions: the colour of a topic. */
export interface SubscriptionColours {
  colourFor(topic: string): string | undefined;
}

/**
 * Filters with a QoS and a colour. Each is one `client.subscribe()`; the SDK sends them again
 * after a reconnect without a session, and the list survives "Reconnect".
 */
export function mountSubscriptionsPanel(sdk: Sdk, session: Session): SubscriptionColours {
  const form = byId<HTMLFormElement>('subscribe-form');
  const filterInput = byId<HTMLInputElement>('filter');
  const qosSelect = byId<HTMLSelectElement>('subscribe-qos');
  const list = byId<HTMLUListElement>('subscription-list');
  const empty = byId('subscriptions-empty');
  const note = byId('subscribe-note');
  const palette = new Palette();
  const entries: Entry[] = [];

  const refresh = (): void => {
    empty.hidden = entries.length > 0;
  };

  const subscribe = (entry: Entry, client: WebMqttClient): void => {
    entry.status.textContent = 'subscribing…';
    client
      .subscribe(
        entry.filter,
        () => {
          entry.count += 1;
          entry.counter.textContent = plural(entry.count, 'message');
        },
        { qos: entry.qos },
      )
      .then(
        (handle) => {
          if (!entries.includes(entry) || session.client !== client) {
            void handle.unsubscribe().catch(() => {});
            return;
          }
          entry.handle = handle;
          entry.status.textContent = `QoS ${entry.qos}`;
        },
        (error: unknown) => {
          if (session.client !== client) return;
          entry.status.textContent = sdk.isWebMqttError(error) ? `rejected: ${error.code}` : 'rejected';
          entry.row.dataset['status'] = 'rejected';
        },
      );
  };

  const remove = (entry: Entry): void => {
    entries.splice(entries.indexOf(entry), 1);
    palette.release(entry.colour);
    entry.row.remove();
    void entry.handle?.unsubscribe().catch(() => {});
    refresh();
    filterInput.focus();
  };

  const add = (filter: string, qos: QoS): void => {
    const colour = palette.take();
    const status = h('span', { className: 'sub-status' }, 'waiting for a connection');
    const counter = h('span', { className: 'sub-count' }, plural(0, 'message'));
    const removeButton = h('button', { className: 'btn btn-quiet btn-small', attrs: { type: 'button', 'aria-label': `Remove subscription ${filter}` } }, 'Remove');
    const row = h(
      'li',
      { className: 'sub', style: { '--accent': colour } },
      h('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } }),
      h('code', { className: 'sub-filter' }, filter),
      status,
      counter,
      removeButton,
    );
    const entry: Entry = { filter, qos, colour, count: 0, handle: undefined, row, status, counter };
    removeButton.addEventListener('click', () => remove(entry));
    entries.push(entry);
    list.append(row);
    refresh();
    const client = session.client;
    if (client && client.state !== 'closed') subscribe(entry, client);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const filter = filterInput.value.trim();
    note.textContent = '';
    if (!filter) {
      note.textContent = 'Type a topic filter, such as sensors/# or sensors/+/temperature.';
      return;
    }
    if (entries.some((e) => e.filter === filter)) {
      note.textContent = `Already subscribed to ${filter}.`;
      return;
    }
    add(filter, Number(qosSelect.value) as QoS);
  });

  session.onClient((client) => {
    for (const entry of entries) {
      entry.handle = undefined;
      subscribe(entry, client);
    }
    return client.on('state', ({ current }) => {
      if (current !== 'closed') return;
      for (const entry of entries) {
        entry.handle = undefined;
        entry.status.textContent = 'waiting for a connection';
      }
    });
  });

  refresh();
  return {
    colourFor: (topic) => entries.find((e) => sdk.matchTopic(e.filter, topic))?.colour,
  };
}
