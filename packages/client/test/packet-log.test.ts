import { describe, expect, it } from 'vitest';
import { PacketLog } from '../src/messaging/packet-log';
import type { PacketTrace } from '../src/core/events';
import { flush } from './support/fake-mqtt';
import { harness } from './support/harness';

const out = (cmd: string): PacketTrace => ({ direction: 'out', packet: { cmd } });
const inn = (cmd: string): PacketTrace => ({ direction: 'in', packet: { cmd } });

describe('PacketLog', () => {
  it('holds what is written before the socket opens and reports it, in order, once it has', () => {
    const seen: string[] = [];
    const log = new PacketLog((t) => seen.push(`${t.direction} ${String(t.packet['cmd'])}`));
    log.add(out('connect'));
    expect(seen).toEqual([]);
    log.opened();
    log.add(inn('connack'));
    expect(seen).toEqual(['out connect', 'in connack']);
  });

  it('reports nothing for a socket that never opened, and starts closed for the next one', () => {
    const seen: string[] = [];
    const log = new PacketLog((t) => seen.push(String(t.packet['cmd'])));
    log.add(out('connect'));
    log.gone();
    log.opened();
    expect(seen).toEqual([]);
    log.gone();
    log.add(out('connect'));
    expect(seen).toEqual([]);
  });

  it('takes a packet received as proof the socket opened (transports that do not say)', () => {
    const seen: string[] = [];
    const log = new PacketLog((t) => seen.push(String(t.packet['cmd'])));
    log.add(out('connect'));
    log.add(inn('connack'));
    expect(seen).toEqual(['connect', 'connack']);
  });
});

describe('client: the packet event is honest about the socket', () => {
  it('a CONNECT on a socket that never opened is not reported', async () => {
    const h = harness({ tracePackets: true, socketsNeverOpen: true, reconnect: false });
    void h.client.connect().catch(() => {});
    await flush();
    h.fake.closeWith(1006);
    await flush();
    expect(h.packets).toEqual([]);
  });

  it('the CONNECT is reported once the socket opened, before the CONNACK', async () => {
    const h = harness({ tracePackets: true });
    await h.connectNow();
    expect(h.packets.map((p) => `${p.direction} ${String(p.packet['cmd'])}`).slice(0, 2)).toEqual(['out connect', 'in connack']);
  });
});

describe('client: close() and the packet log', () => {
  it('reports the DISCONNECT that close() sends before the client reports closed', async () => {
    const h = harness({ tracePackets: true });
    await h.connectNow();
    const order: string[] = [];
    h.client.on('packet', (p) => order.push(`packet ${String(p.packet['cmd'])}`));
    h.client.on('state', (s) => order.push(`state ${s.current}`));
    await h.client.close();
    expect(order).toEqual(['packet disconnect', 'state closed']);
  });

});
