import type { PacketTrace } from '@webmqtt/client';
import { byId, clockTime, frameBatcher, h, plural } from './dom';
import { decodeText, hex } from './payload-format';
import type { Session } from './session';

/** Packets kept in the trace. */
export const MAX_PACKETS = 300;
// Fields MQTT.js always sets that say nothing about this packet.
const NOISE = new Set(['cmd', 'length']);

/**
 * The `packet` event as a dump: direction, packet type, then one `field: value` line each,
 * like the packet listings in broker docs. The SDK has already redacted credentials.
 */
export function mountPacketTrace(session: Session): void {
  const details = byId<HTMLDetailsElement>('trace');
  const list = byId<HTMLOListElement>('trace-list');
  const count = byId('trace-count');
  const clear = byId<HTMLButtonElement>('trace-clear');
  let total = 0;
  let pending: HTMLLIElement[] = [];

  const flush = frameBatcher(() => {
    const fragment = document.createDocumentFragment();
    for (let i = pending.length - 1; i >= 0; i--) fragment.append(pending[i] as HTMLLIElement);
    pending = [];
    list.prepend(fragment);
    while (list.childElementCount > MAX_PACKETS) list.lastElementChild?.remove();
    count.textContent = `(${plural(total, 'packet')})`;
  });

  session.onClient((client) =>
    client.on('packet', (trace) => {
      total += 1;
      pending.push(buildRow(trace));
      if (pending.length > MAX_PACKETS) pending = pending.slice(-MAX_PACKETS);
      flush();
    }),
  );

  clear.addEventListener('click', () => {
    list.replaceChildren();
    pending = [];
    total = 0;
    count.textContent = '(0 packets)';
  });

  // Keep the summary's count current even while collapsed; nothing else to do on toggle.
  details.addEventListener('toggle', flush);
}

function buildRow({ direction, packet }: PacketTrace): HTMLLIElement {
  const type = String(packet['cmd'] ?? 'unknown').toUpperCase();
  const lines = Object.entries(packet)
    .filter(([key, value]) => !NOISE.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}: ${show(value)}`);
  const out = direction === 'out';
  return h(
    'li',
    { className: `packet packet-${direction}` },
    h(
      'div',
      { className: 'packet-head' },
      h('span', { className: 'packet-dir', attrs: { title: out ? 'sent by the client' : 'received from the broker' } }, out ? '→ out' : '← in'),
      h('strong', { className: 'packet-type' }, type),
      h('time', {}, clockTime(Date.now())),
    ),
    lines.length > 0 && h('pre', { className: 'packet-fields' }, lines.join('\n')),
  );
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) {
    const text = decodeText(value);
    return text === undefined ? hex(value) : JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  }
  if (typeof value === 'object') {
    return JSON.stringify(value, (_key, inner: unknown) => {
      if (inner instanceof Uint8Array) return show(inner);
      // A Buffer has turned itself into { type: 'Buffer', data } before the replacer sees it.
      if (isBufferJson(inner)) return show(Uint8Array.from(inner.data));
      return inner;
    });
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data);
}
