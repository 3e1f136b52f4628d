import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a broker's WebSocket listener that also reads what passes: the HTTP
 * upgrade, the WebSocket frames (client frames unmasked), and the MQTT packets inside them, in both
 * directions. Bytes are forwarded as they come, with one change: the client's Sec-WebSocket-Extensions
 * header is dropped, so no frame is compressed and every frame can be read.
 *
 * What it records per connection: the request path (tests tag each client with a query string), the
 * CONNECT's protocol level, the CONNACK (with its MQTT 5 properties), every packet's type, and the set of
 * the client's QoS 1/2 PUBLISHes not yet acknowledged by the broker (a QoS 1 one until its PUBACK, a QoS 2
 * one until its PUBCOMP, or a PUBREC with an error reason code, as MQTT 5's Receive Maximum counts them)
 * with the largest size that set reached.
 *
 * It can also play a broker that is gone (`refuse`: every new connection is closed as soon as its upgrade
 * request has arrived, so attempts are still counted), cut connections (`dropConnections`) and stall them
 * (`stall`: nothing forwarded either way, both sockets left open, what the client sends still read).
 */

/** MQTT control packet types by number. */
export const PACKET_TYPES = [
  'reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

/** One MQTT packet seen on a link. `up`: client to broker; `down`: broker to client. */
export interface WirePacket {
  at: number;
  direction: 'up' | 'down';
  type: PacketType;
  /** PUBLISH only. */
  qos?: number;
  dup?: boolean;
  /** PUBLISH (QoS > 0), PUBACK, PUBREC, PUBREL, PUBCOMP. */
  packetId?: number;
  /** Forwarded (false while the link is stalled). */
  forwarded: boolean;
}

/** A connection attempt: the upgrade request of one TCP connection reached the proxy. */
export interface WireAttempt {
  at: number;
  path: string;
  /** Closed at once because the proxy was refusing. */
  refused: boolean;
}

/** The client's QoS 1/2 publishes the broker has not acknowledged yet, as counted on the wire. */
export interface Outstanding {
  /** Unacknowledged now. */
  now: number;
  /** The largest `now` reached (since the link opened or the last `resetPeaks`), in total and per QoS. */
  peak: number;
  peakQos1: number;
  peakQos2: number;
  /** First sends (DUP clear) of QoS 1 and QoS 2 PUBLISHes since the link opened or the last `resetPeaks`. */
  sent: { qos1: number; qos2: number };
  /** Acknowledgements for packet ids that were not outstanding (a miscount, or a broker answering twice). */
  strayAcks: number;
}

export interface WireLink {
  readonly id: number;
  readonly path: string;
  readonly openedAt: number;
  /** The CONNECT's protocol level: 4 for MQTT 3.1.1, 5 for MQTT 5. */
  readonly protocolLevel: number | undefined;
  /** The broker's CONNACK; `properties` keyed by MQTT 5 property name (receiveMaximum, topicAliasMaximum, …). */
  readonly connack: { at: number; reasonCode: number; properties: Record<string, number | string | boolean> } | undefined;
  readonly packets: readonly WirePacket[];
  readonly outstanding: Readonly<Outstanding>;
  readonly stalled: boolean;
  /** WebSocket Close frames seen, by direction (a client abandoning a dead link sends one, answered or not). */
  readonly wsCloses: readonly { at: number; direction: 'up' | 'down'; forwarded: boolean }[];
  /** When the TCP connection ended, and who ended it. */
  readonly closed: { at: number; by: string } | undefined;
  /** Anything that could not be read (a compressed frame, a malformed packet): must stay empty. */
  readonly errors: readonly string[];
  /** Starts the peaks and the sent counts again (the outstanding set itself is kept). */
  resetPeaks(): void;
}

export interface MqttWireProxy {
  /** `ws://127.0.0.1:<port>`: add the broker's path (and a query to tag the client). */
  readonly url: string;
  readonly port: number;
  readonly attempts: readonly WireAttempt[];
  /** Every connection forwarded to the broker, in order. */
  readonly links: readonly WireLink[];
  /** From now on every new connection is closed once its upgrade request is in; the open ones are cut. */
  refuse(): void;
  /** New connections are forwarded again. */
  forward(): void;
  /** Cuts every open link on both sides with a RST (no close handshake), as a network failure would. */
  dropConnections(): void;
  /** Stops forwarding on every open link, both ways, leaving both sockets open (a half-open link). */
  stall(): void;
  stop(): Promise<void>;
}

/** MQTT 5 properties a CONNACK may carry: id -> [name, encoding]. */
const CONNACK_PROPERTIES: Record<number, [string, 'byte' | 'u16' | 'u32' | 'string' | 'binary' | 'pair']> = {
  0x11: ['sessionExpiryInterval', 'u32'],
  0x12: ['assignedClientIdentifier', 'string'],
  0x13: ['serverKeepAlive', 'u16'],
  0x15: ['authenticationMethod', 'string'],
  0x16: ['authenticationData', 'binary'],
  0x1a: ['responseInformation', 'string'],
  0x1c: ['serverReference', 'string'],
  0x1f: ['reasonString', 'string'],
  0x21: ['receiveMaximum', 'u16'],
  0x22: ['topicAliasMaximum', 'u16'],
  0x24: ['maximumQoS', 'byte'],
  0x25: ['retainAvailable', 'byte'],
  0x26: ['userProperty', 'pair'],
  0x27: ['maximumPacketSize', 'u32'],
  0x28: ['wildcardSubscriptionAvailable', 'byte'],
  0x29: ['subscriptionIdentifiersAvailable', 'byte'],
  0x2a: ['sharedSubscriptionAvailable', 'byte'],
};

/** Reads an MQTT variable byte integer at `offset`: [value, bytes used], or undefined when incomplete. */
function varint(buf: Buffer, offset: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= buf.length) return undefined;
    const byte = buf[offset + i] as number;
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('variable byte integer longer than 4 bytes');
}

function connackProperties(body: Buffer): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  const length = varint(body, 2);
  if (!length) throw new Error('CONNACK properties cut short');
  let at = 2 + length[1];
  const end = at + length[0];
  const str = (): string => {
    const n = body.readUInt16BE(at);
    const s = body.subarray(at + 2, at + 2 + n).toString('utf8');
    at += 2 + n;
    return s;
  };
  while (at < end) {
    const id = body[at++] as number;
    const known = CONNACK_PROPERTIES[id];
    if (!known) throw new Error(`unknown CONNACK property 0x${id.toString(16)}`);
    const [name, kind] = known;
    if (kind === 'byte') out[name] = body[at++] as number;
    else if (kind === 'u16') {
      out[name] = body.readUInt16BE(at);
      at += 2;
    } else if (kind === 'u32') {
      out[name] = body.readUInt32BE(at);
      at += 4;
    } else if (kind === 'pair') out[`${name}:${str()}`] = str();
    else out[name] = str();
  }
  return out;
}

/** Splits a byte stream into MQTT packets (fixed header byte + body). */
class MqttReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onPacket: (header: number, body: Buffer) => void) {}

  push(bytes: Buffer): void {
    this.buf = this.buf.length === 0 ? bytes : Buffer.concat([this.buf, bytes]);
    for (;;) {
      if (this.buf.length < 2) return;
      const length = varint(this.buf, 1);
      if (!length) return;
      const start = 1 + length[1];
      const end = start + length[0];
      if (this.buf.length < end) return;
      const header = this.buf[0] as number;
      const body = this.buf.subarray(start, end);
      this.buf = this.buf.subarray(end);
      this.onPacket(header, body);
    }
  }
}

/** Splits a byte stream into WebSocket frames and hands on the payload of data frames, unmasked. */
class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onData: (payload: Buffer) => void,
    private readonly onClose: () => void,
  ) {}

  push(bytes: Buffer): void {
    this.buf = this.buf.length === 0 ? bytes : Buffer.concat([this.buf, bytes]);
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      let length = b1 & 0x7f;
      let at = 2;
      if (length === 126) {
        if (this.buf.length < 4) return;
        length = this.buf.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (this.buf.length < 10) return;
        length = Number(this.buf.readBigUInt64BE(2));
        at = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const keyAt = at;
      if (masked) at += 4;
      if (this.buf.length < at + length) return;
      const payload = Buffer.from(this.buf.subarray(at, at + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (this.buf[keyAt + (i % 4)] as number);
      this.buf = this.buf.subarray(at + length);
      if ((b0 & 0x70) !== 0) throw new Error('a frame with RSV bits set (compressed?)');
      const opcode = b0 & 0x0f;
      // 0 continuation, 1 text, 2 binary; 8 close, 9 ping, 10 pong carry no MQTT bytes.
      if (opcode <= 2) this.onData(payload);
      else if (opcode === 8) this.onClose();
    }
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');

class Link implements WireLink {
  readonly openedAt = Date.now();
  protocolLevel: number | undefined;
  connack: WireLink['connack'];
  readonly packets: WirePacket[] = [];
  readonly wsCloses: { at: number; direction: 'up' | 'down'; forwarded: boolean }[] = [];
  readonly outstanding: Outstanding = { now: 0, peak: 0, peakQos1: 0, peakQos2: 0, sent: { qos1: 0, qos2: 0 }, strayAcks: 0 };
  stalled = false;
  closed: WireLink['closed'];
  readonly errors: string[] = [];
  /** Packet id -> QoS of each unacknowledged client PUBLISH. */
  private readonly unacked = new Map<number, number>();
  private readonly up: FrameReader;
  private readonly down: FrameReader;
  private downHeader: Buffer | undefined = Buffer.alloc(0);

  constructor(
    private readonly proxy: WireProxy,
    readonly id: number,
    readonly path: string,
    readonly client: Socket,
    readonly upstream: Socket,
  ) {
    const upMqtt = new MqttReader((h, b) => this.packet('up', h, b));
    const downMqtt = new MqttReader((h, b) => this.packet('down', h, b));
    const closeFrame = (direction: 'up' | 'down') => () => this.wsCloses.push({ at: Date.now(), direction, forwarded: !this.stalled });
    this.up = new FrameReader((p) => upMqtt.push(p), closeFrame('up'));
    this.down = new FrameReader((p) => downMqtt.push(p), closeFrame('down'));
    client.on('data', (chunk: Buffer) => this.relay(chunk, client, upstream, (c) => this.up.push(c)));
    upstream.on('data', (chunk: Buffer) => this.relay(chunk, upstream, client, (c) => this.readDown(c)));
    client.on('close', () => this.end('client'));
    client.on('error', () => this.end('client'));
    // The broker hanging up on a stalled link stays invisible to the client: that is what half-open means.
    upstream.on('close', () => {
      if (!this.stalled) this.end('broker');
    });
    upstream.on('error', () => {
      if (!this.stalled) this.end('broker');
    });
  }

  resetPeaks(): void {
    const o = this.outstanding;
    o.peak = o.now;
    o.peakQos1 = this.count(1);
    o.peakQos2 = this.count(2);
    o.sent = { qos1: 0, qos2: 0 };
  }

  /** What the client sent before the proxy connected upstream (its upgrade request and anything after it). */
  readFirst(rest: Buffer): void {
    this.up.push(rest);
  }

  private relay(chunk: Buffer, from: Socket, to: Socket, read: (chunk: Buffer) => void): void {
    if (this.closed) return;
    try {
      read(chunk);
    } catch (error) {
      this.errors.push((error as Error).message);
    }
    if (this.stalled) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  }

  /** The broker's side starts with its HTTP response; frames follow it. */
  private readDown(chunk: Buffer): void {
    if (this.downHeader === undefined) {
      this.down.push(chunk);
      return;
    }
    this.downHeader = Buffer.concat([this.downHeader, chunk]);
    const end = this.downHeader.indexOf(HEADER_END);
    if (end < 0) return;
    const status = this.downHeader.subarray(0, this.downHeader.indexOf('\r\n')).toString('latin1');
    const rest = this.downHeader.subarray(end + HEADER_END.length);
    this.downHeader = undefined;
    if (!/^HTTP\/1\.1 101 /.test(status)) throw new Error(`the broker answered the upgrade with "${status}"`);
    if (rest.length > 0) this.down.push(rest);
  }

  private count(qos: number): number {
    let n = 0;
    for (const q of this.unacked.values()) if (q === qos) n++;
    return n;
  }

  private packet(direction: 'up' | 'down', header: number, body: Buffer): void {
    const type = PACKET_TYPES[header >> 4] as PacketType;
    const seen: WirePacket = { at: Date.now(), direction, type, forwarded: !this.stalled };
    if (type === 'connect' && direction === 'up') {
      this.protocolLevel = body[2 + body.readUInt16BE(0)];
    } else if (type === 'connack' && direction === 'down') {
      this.connack = { at: seen.at, reasonCode: body[1] as number, properties: this.protocolLevel === 5 ? connackProperties(body) : {} };
    } else if (type === 'publish') {
      seen.qos = (header >> 1) & 3;
      seen.dup = (header & 8) !== 0;
      if (seen.qos > 0) seen.packetId = body.readUInt16BE(2 + body.readUInt16BE(0));
      if (direction === 'up' && seen.qos > 0) this.published(seen.packetId as number, seen.qos, seen.dup);
    } else if (type === 'puback' || type === 'pubrec' || type === 'pubrel' || type === 'pubcomp') {
      seen.packetId = body.readUInt16BE(0);
      // A reason code of 0x80 or more on PUBREC ends a QoS 2 flow (MQTT 5); 3.1.1 has none.
      const failed = type === 'pubrec' && body.length > 2 && (body[2] as number) >= 0x80;
      if (direction === 'down' && (type === 'puback' || type === 'pubcomp' || failed)) this.acknowledged(seen.packetId, type === 'puback' ? 1 : 2);
    }
    this.packets.push(seen);
  }

  private published(packetId: number, qos: number, dup: boolean): void {
    const o = this.outstanding;
    if (!dup) {
      if (qos === 1) o.sent.qos1++;
      else o.sent.qos2++;
    }
    // A re-send (DUP) of an id still outstanding is the same message.
    if (this.unacked.has(packetId)) return;
    this.unacked.set(packetId, qos);
    o.now = this.unacked.size;
    o.peak = Math.max(o.peak, o.now);
    if (qos === 1) o.peakQos1 = Math.max(o.peakQos1, this.count(1));
    else o.peakQos2 = Math.max(o.peakQos2, this.count(2));
  }

  private acknowledged(packetId: number, qos: number): void {
    if (this.unacked.get(packetId) !== qos) {
      this.outstanding.strayAcks++;
      return;
    }
    this.unacked.delete(packetId);
    this.outstanding.now = this.unacked.size;
  }

  stall(): void {
    this.stalled = true;
  }

  /** Ends the link: `abrupt` sends a RST both ways. */
  end(by: string, abrupt = false): void {
    if (this.closed) return;
    this.closed = { at: Date.now(), by };
    for (const socket of [this.client, this.upstream]) {
      if (abrupt && !socket.destroyed && socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    }
    this.proxy.open.delete(this);
  }
}

class WireProxy implements MqttWireProxy {
  readonly attempts: WireAttempt[] = [];
  readonly links: Link[] = [];
  readonly open = new Set<Link>();
  private readonly pending = new Set<Socket>();
  private refusing = false;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  /** Reads the client's upgrade request, then refuses the connection or opens the broker side. */
  private accept(client: Socket): void {
    client.setNoDelay(true);
    this.pending.add(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      this.pending.delete(client);
      const request = head.subarray(0, end).toString('latin1').split('\r\n');
      const path = (request[0] ?? '').split(' ')[1] ?? '';
      const refused = this.refusing;
      this.attempts.push({ at: Date.now(), path, refused });
      if (refused) {
        client.destroy();
        return;
      }
      const kept = request.filter((line) => !/^sec-websocket-extensions:/i.test(line));
      const upgrade = Buffer.from(`${kept.join('\r\n')}\r\n\r\n`, 'latin1');
      const rest = head.subarray(end + HEADER_END.length);
      const upstream = connect(this.target.port, this.target.host);
      upstream.setNoDelay(true);
      const link = new Link(this, this.links.length + 1, path, client, upstream);
      this.links.push(link);
      this.open.add(link);
      upstream.once('connect', () => {
        if (link.closed) return;
        upstream.write(upgrade);
        if (rest.length > 0) {
          link.readFirst(rest);
          upstream.write(rest);
        }
        client.resume();
      });
    };
    client.on('data', onData);
    client.on('error', () => this.pending.delete(client));
    client.on('close', () => this.pending.delete(client));
  }

  refuse(): void {
    this.refusing = true;
    this.dropConnections();
  }

  forward(): void {
    this.refusing = false;
  }

  dropConnections(): void {
    for (const link of [...this.open]) link.end('drop', true);
  }

  stall(): void {
    for (const link of this.open) link.stall();
  }

  async stop(): Promise<void> {
    for (const link of [...this.open]) link.end('stop');
    for (const socket of this.pending) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Starts a reading proxy on a free port of 127.0.0.1 in front of a broker's WebSocket URL (its host and port;
 * the path is whatever the client asks for).
 * @example
 * ```ts
 * const proxy = await startWireProxy(broker.urls.ws);
 * const url = `${proxy.url}/mqtt?client=7`;
 * ```
 */
export async function startWireProxy(brokerWsUrl: string): Promise<MqttWireProxy> {
  const target = new URL(brokerWsUrl);
  const proxy = new WireProxy({ host: target.hostname, port: Number(target.port) });
  await proxy.listen();
  return proxy;
}
