import type { Message } from '@webmqtt/client';
import { byId, clockTime, frameBatcher, h, plural } from './dom';
import { formatPayload } from './payload-format';
import type { Session } from './session';
import type { SubscriptionColours } from './subscriptions-panel';

/** Rows kept in the page; older ones are dropped so a chatty topic never slows it down. */
export const MAX_ROWS = 500;

interface Row {
  node: HTMLLIElement;
  haystack: string;
}

/**
 * Newest-first log of every received message. Rows are built with text nodes only, added at
 * most once per animation frame, capped at {@link MAX_ROWS}; "Pause" holds new ones back.
 */
export function mountMessageLog(session: Session, colours: SubscriptionColours): void {
  const list = byId<HTMLOListElement>('message-log');
  const empty = byId('log-empty');
  const count = byId('log-count');
  const filterInput = byId<HTMLInputElement>('log-filter');
  const pauseButton = byId<HTMLButtonElement>('log-pause');
  const clearButton = byId<HTMLButtonElement>('log-clear');

  let rows: Row[] = [];
  let incoming: Row[] = [];
  let held: Row[] = [];
  let paused = false;
  let needle = '';

  const matches = (row: Row): boolean => needle === '' || row.haystack.includes(needle);

  const updateCount = (): void => {
    const shown = needle === '' ? rows.length : rows.filter(matches).length;
    const parts = [needle === '' ? plural(rows.length, 'message') : `${shown} of ${plural(rows.length, 'message')}`];
    if (paused) parts.push(`${held.length} held while paused`);
    if (rows.length >= MAX_ROWS) parts.push(`keeping the last ${MAX_ROWS}`);
    count.textContent = parts.join(' · ');
    empty.hidden = rows.length > 0;
  };

  const flush = frameBatcher(() => {
    const batch = incoming.slice(-MAX_ROWS);
    incoming = [];
    if (batch.length > 0) {
      const fragment = document.createDocumentFragment();
      for (let i = batch.length - 1; i >= 0; i--) {
        const row = batch[i] as Row;
        row.node.hidden = !matches(row);
        fragment.append(row.node);
      }
      list.prepend(fragment);
      rows = rows.concat(batch);
      const excess = rows.length - MAX_ROWS;
      if (excess > 0) {
        for (const old of rows.slice(0, excess)) old.node.remove();
        rows = rows.slice(excess);
      }
    }
    updateCount();
  });

  const receive = (message: Message): void => {
    const row = buildRow(message, colours.colourFor(message.topic));
    if (paused) {
      held.push(row);
      if (held.length > MAX_ROWS) held = held.slice(-MAX_ROWS);
    } else {
      incoming.push(row);
    }
    flush();
  };

  session.onClient((client) => client.on('message', receive));

  filterInput.addEventListener('input', () => {
    needle = filterInput.value.trim().toLowerCase();
    for (const row of rows) row.node.hidden = !matches(row);
    updateCount();
  });

  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.setAttribute('aria-pressed', String(paused));
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      incoming.push(...held);
      held = [];
    }
    flush();
  });

  clearButton.addEventListener('click', () => {
    list.replaceChildren();
    rows = [];
    held = [];
    incoming = [];
    updateCount();
  });

  updateCount();
}

function buildRow(message: Message, colour: string | undefined): Row {
  const at = Date.now();
  const payload = formatPayload(message.payload);
  const node = h(
    'li',
    { className: 'msg', style: colour ? { '--accent': colour } : {} },
    h(
      'div',
      { className: 'msg-meta' },
      h('time', { attrs: { datetime: new Date(at).toISOString() } }, clockTime(at)),
      h('span', { className: 'msg-topic' }, message.topic),
      h('span', { className: 'tag' }, `QoS ${message.qos}`),
      message.retain && h('span', { className: 'tag tag-retain' }, 'retained'),
      payload.kind === 'json' && h('span', { className: 'tag' }, 'JSON'),
      payload.kind === 'binary' && h('span', { className: 'tag' }, 'binary'),
    ),
    h('pre', { className: `msg-payload kind-${payload.kind}` }, payload.text),
  );
  return { node, haystack: `${message.topic}\n${payload.text}`.toLowerCase() };
}
