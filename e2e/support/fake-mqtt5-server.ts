import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { IConnackPacket, IConnectPacket, IDisconnectPacket, IPublishPacket, ISubscribePacket, Packet } from 'mqtt-packet';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A scriptable MQTT 5 server over WebSocket for the e2e harness, for what no real broker here does:
 * send a DISCONNECT with a chosen reason code and Server Reference (Mosquitto 2.0.11 sends none to
 * WebSocket clients; aedes speaks 3.1.1 only), or refuse a CONNECT with a chosen CONNACK.
 *
 * Enough of a broker for a client to carry on: SUBACK grants what was asked, PUBLISH is acknowledged
 * and delivered to every matching subscription (QoS capped by the subscription), PINGREQ answered.
 * No sessions, no retained messages, no will. It speaks the version each CONNECT asks for (5 or 3.1.1).
 */

/** How to answer one CONNECT: MQTT 5 reason code (0 accepts) and CONNACK properties. */
export interface ConnackReply {
  reasonCode?: number;
  /** For a 3.1.1 CONNECT: its return code (0 accepts). */
  returnCode?: number;
  sessionPresent?: boolean;
  properties?: IConnackPacket['properties'];
}

/** One packet the server read, with the number (from 0) of the connection it came on. */
export interface ReceivedPacket {
  connection: number;
  packet: Packet;
}

export interface FakeMqtt5Server {
  /** ws://127.0.0.1:<port>/mqtt */
  readonly url: string;
  /** host:port, the bare form of a Server Reference. */
  readonly host: string;
  /** Every packet read, in order. */
  readonly received: ReceivedPacket[];
  /** The CONNECT packets, in order (also in `received`). */
  readonly connects: IConnectPacket[];
  /** Decides the CONNACK for the n-th CONNECT (from 0); the default accepts every one. */
  onConnect: (connect: IConnectPacket, n: number) => ConnackReply;
  /** Connections that have been accepted and are still open. */
  readonly openConnections: number;
  /** Sends a DISCONNECT to every accepted connection, then closes them; resolves to how many. */
  disconnect(reasonCode: number, properties?: IDisconnectPacket['properties']): Promise<number>;
  close(): Promise<void>;
}

interface Session {
  ws: WebSocket;
  protocolVersion: 4 | 5;
  accepted: boolean;
  subscriptions: Map<string, 0 | 1 | 2>;
  nextMessageId: number;
}

/** MQTT topic filter matching (+ and #), enough for the tests. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export async function startFakeMqtt5Server(): Promise<FakeMqtt5Server> {
  const http = createServer((_req, res) => {
    res.statusCode = 426;
    res.end('WebSocket only');
  });
  const wss = new WebSocketServer({ server: http, path: '/mqtt', handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  const sessions = new Set<Session>();
  const received: ReceivedPacket[] = [];
  const connects: IConnectPacket[] = [];
  let connectionCount = 0;

  const send = (session: Session, packet: Packet): void => {
    if (session.ws.readyState !== session.ws.OPEN) return;
    session.ws.send(mqttPacket.generate(packet, { protocolVersion: session.protocolVersion }));
  };

  const deliver = (publish: IPublishPacket): void => {
    for (const session of sessions) {
      if (!session.accepted) continue;
      let granted: 0 | 1 | 2 | undefined;
      for (const [filter, qos] of session.subscriptions) {
        if (matches(filter, publish.topic)) granted = Math.max(granted ?? 0, qos) as 0 | 1 | 2;
      }
      if (granted === undefined) continue;
      const qos = Math.min(granted, publish.qos) as 0 | 1 | 2;
      const messageId = qos > 0 ? (session.nextMessageId = (session.nextMessageId % 65535) + 1) : undefined;
      const out: IPublishPacket = { cmd: 'publish', topic: publish.topic, payload: publish.payload, qos, retain: false, dup: false, ...(messageId ? { messageId } : {}) };
      if (session.protocolVersion === 5 && publish.properties) out.properties = publish.properties;
      send(session, out);
    }
  };

  const handle = (session: Session, packet: Packet): void => {
    switch (packet.cmd) {
      case 'connect': {
        session.protocolVersion = packet.protocolVersion === 5 ? 5 : 4;
        connects.push(packet);
        const reply = server.onConnect(packet, connects.length - 1);
        const sessionPresent = reply.sessionPresent ?? false;
        if (session.protocolVersion === 5) {
          const reasonCode = reply.reasonCode ?? 0;
          send(session, { cmd: 'connack', reasonCode, sessionPresent, ...(reply.properties ? { properties: reply.properties } : {}) });
          session.accepted = reasonCode === 0;
        } else {
          const returnCode = reply.returnCode ?? 0;
          send(session, { cmd: 'connack', returnCode, sessionPresent });
          session.accepted = returnCode === 0;
        }
        // A refused CONNECT: the server closes the network connection (MQTT-3.2.2-7).
        if (!session.accepted) session.ws.close();
        return;
      }
      case 'subscribe': {
        const granted = (packet as ISubscribePacket).subscriptions.map(({ topic, qos }) => {
          session.subscriptions.set(topic, qos);
          return qos;
        });
        send(session, { cmd: 'suback', messageId: packet.messageId as number, granted });
        return;
      }
      case 'unsubscribe':
        for (const topic of packet.unsubscriptions) session.subscriptions.delete(topic);
        send(session, { cmd: 'unsuback', messageId: packet.messageId as number, ...(session.protocolVersion === 5 ? { granted: packet.unsubscriptions.map(() => 0) } : {}) } as Packet);
        return;
      case 'publish':
        if (packet.qos === 1) send(session, { cmd: 'puback', messageId: packet.messageId as number });
        if (packet.qos === 2) send(session, { cmd: 'pubrec', messageId: packet.messageId as number });
        deliver(packet);
        return;
      case 'pubrel':
        send(session, { cmd: 'pubcomp', messageId: packet.messageId as number });
        return;
      case 'pubrec':
        send(session, { cmd: 'pubrel', messageId: packet.messageId as number });
        return;
      case 'pingreq':
        send(session, { cmd: 'pingresp' });
        return;
      case 'disconnect':
        session.ws.close();
        return;
      default:
        // puback, pubcomp, auth: recorded, nothing to answer.
        return;
    }
  };

  wss.on('connection', (ws) => {
    const connection = connectionCount++;
    const session: Session = { ws, protocolVersion: 5, accepted: false, subscriptions: new Map(), nextMessageId: 0 };
    sessions.add(session);
    // The parser reads the CONNECT's version by itself; later packets need the one it asked for.
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet: Packet) => {
      received.push({ connection, packet });
      if (packet.cmd === 'connect') (parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = packet.protocolVersion === 5 ? 5 : 4;
      handle(session, packet);
    });
    parser.on('error', () => ws.terminate());
    ws.on('message', (data: Buffer) => parser.parse(data));
    ws.on('error', () => {});
    ws.on('close', () => sessions.delete(session));
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  const server: FakeMqtt5Server = {
    url: `ws://127.0.0.1:${port}/mqtt`,
    host: `127.0.0.1:${port}`,
    received,
    connects,
    onConnect: () => ({}),
    get openConnections() {
      return [...sessions].filter((s) => s.accepted).length;
    },
    async disconnect(reasonCode, properties) {
      const targets = [...sessions].filter((s) => s.accepted && s.ws.readyState === s.ws.OPEN);
      await Promise.all(targets.map((session) => new Promise<void>((resolve) => {
        session.accepted = false;
        session.ws.once('close', () => resolve());
        const packet: IDisconnectPacket = { cmd: 'disconnect', reasonCode, ...(properties ? { properties } : {}) };
        // The server closes the network connection after its DISCONNECT (MQTT-3.14.4-2).
        session.ws.send(mqttPacket.generate(packet, { protocolVersion: session.protocolVersion }), () => session.ws.close());
      })));
      return targets.length;
    },
    async close() {
      for (const session of sessions) session.ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return server;
}
