// Hand-built MQTT 3.1.1 packets for raw WebSocket clients, so tests see exactly what goes on the wire.

function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

function utf8(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(2);
  length.writeUInt16BE(data.length);
  return Buffer.concat([length, data]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

export interface ConnectFields {
  clientId: string;
  username?: string;
  password?: string;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  keepalive?: number;
}

export function connectPacket(fields: ConnectFields): Buffer {
  const version = fields.protocolVersion ?? 4;
  let flags = 0x02; // clean session
  if (fields.username !== undefined) flags |= 0x80;
  if (fields.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(fields.keepalive ?? 60);
  const parts = [utf8('MQTT'), Buffer.from([version, flags]), keepalive];
  if (version === 5) parts.push(Buffer.from([0])); // no properties
  parts.push(utf8(fields.clientId));
  if (fields.username !== undefined) parts.push(utf8(fields.username));
  if (fields.password !== undefined) parts.push(utf8(fields.password));
  return packet(0x10, Buffer.concat(parts));
}

export function subscribePacket(messageId: number, topic: string, qos: 0 | 1 | 2): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(0x82, Buffer.concat([id, utf8(topic), Buffer.from([qos])]));
}

export function publishPacket(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, messageId = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  const body = Buffer.concat([utf8(topic), qos > 0 ? id : Buffer.alloc(0), Buffer.from(payload)]);
  return packet(0x30 | (qos << 1), body);
}

export function pubackPacket(messageId: number): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(0x40, id);
}

/** The packet type (upper four bits of the first byte): 2 CONNACK, 3 PUBLISH, 9 SUBACK, … */
export function packetType(data: Buffer): number {
  return (data[0] ?? 0) >> 4;
}
