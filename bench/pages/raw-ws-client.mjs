// A minimal MQTT 3.1.1 client written straight on the browser's WebSocket: the ceiling the
// libraries are measured against. CONNECT, SUBSCRIBE, PUBLISH QoS 0/1, PUBACK, nothing else.
// `batch` PUBLISH packets are written per WebSocket message (1 = one frame per message).

const enc = new TextEncoder();

function remainingLength(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function mqttString(s) {
  const b = enc.encode(s);
  return [b.length >> 8, b.length & 0xff, ...b];
}

function packet(first, body) {
  return new Uint8Array([first, ...remainingLength(body.length), ...body]);
}

export class RawMqttClient {
  constructor({ batch = 1 } = {}) {
    this.batch = batch;
    this.nextId = 1;
    this.acked = 0;
    this.handlers = new Map(); // topic -> fn(payload)
    this.waiters = new Map(); // packet id / 'connack' -> resolve
    this.pending = []; // encoded PUBLISH packets not yet written
    this.pendingBytes = 0;
    this.rest = undefined;
  }

  connect(url, clientId) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'mqtt');
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      ws.onerror = () => reject(new Error('raw client: WebSocket error'));
      ws.onclose = () => reject(new Error('raw client: WebSocket closed'));
      ws.onmessage = (e) => this.onData(new Uint8Array(e.data));
      ws.onopen = () => {
        this.waiters.set('connack', resolve);
        // protocol "MQTT" level 4, clean session, keepalive 60 s
        ws.send(packet(0x10, [...mqttString('MQTT'), 4, 0x02, 0, 60, ...mqttString(clientId)]));
      };
    });
  }

  subscribe(topic, qos, handler) {
    const id = this.id();
    this.handlers.set(topic, handler);
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.ws.send(packet(0x82, [id >> 8, id & 0xff, ...mqttString(topic), qos]));
    });
  }

  publish(topic, payload, qos) {
    const t = this.topicCache?.topic === topic ? this.topicCache.bytes : (this.topicCache = { topic, bytes: enc.encode(topic) }).bytes;
    const len = 2 + t.length + (qos ? 2 : 0) + payload.length;
    const rl = remainingLength(len);
    const p = new Uint8Array(1 + rl.length + len);
    let o = 0;
    p[o++] = 0x30 | (qos << 1);
    for (const b of rl) p[o++] = b;
    p[o++] = t.length >> 8;
    p[o++] = t.length & 0xff;
    p.set(t, o);
    o += t.length;
    if (qos) {
      const id = this.id();
      p[o++] = id >> 8;
      p[o++] = id & 0xff;
    }
    p.set(payload, o);
    if (this.batch === 1) {
      this.ws.send(p);
      return;
    }
    this.pending.push(p);
    this.pendingBytes += p.length;
    if (this.pending.length >= this.batch) this.flush();
  }

  flush() {
    if (this.pending.length === 0) return;
    const out = new Uint8Array(this.pendingBytes);
    let o = 0;
    for (const p of this.pending) {
      out.set(p, o);
      o += p.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.ws.send(out);
  }

  close() {
    this.ws.onclose = null;
    this.ws.onerror = null;
    try {
      this.ws.send(new Uint8Array([0xe0, 0]));
    } catch { /* closing anyway */ }
    this.ws.close();
  }

  id() {
    const id = this.nextId;
    this.nextId = id === 65535 ? 1 : id + 1;
    return id;
  }

  onData(chunk) {
    let buf = chunk;
    if (this.rest) {
      buf = new Uint8Array(this.rest.length + chunk.length);
      buf.set(this.rest);
      buf.set(chunk, this.rest.length);
      this.rest = undefined;
    }
    let o = 0;
    const acks = [];
    while (o < buf.length) {
      const start = o;
      const first = buf[o++];
      let len = 0;
      let mul = 1;
      let byte;
      do {
        if (o >= buf.length) { this.rest = buf.subarray(start); return this.sendAcks(acks); }
        byte = buf[o++];
        len += (byte & 0x7f) * mul;
        mul *= 128;
      } while (byte & 0x80);
      if (o + len > buf.length) { this.rest = buf.slice(start); break; }
      const type = first >> 4;
      if (type === 3) {
        const qos = (first >> 1) & 3;
        const tlen = (buf[o] << 8) | buf[o + 1];
        let p = o + 2;
        const topic = this.lastTopic?.len === tlen && sameBytes(this.lastTopic.bytes, buf, p) ? this.lastTopic.topic : this.decodeTopic(buf, p, tlen);
        p += tlen;
        if (qos > 0) {
          acks.push(buf[p], buf[p + 1]);
          p += 2;
        }
        this.handlers.get(topic)?.(buf.subarray(p, o + len));
      } else if (type === 4) {
        this.acked++;
        this.onAck?.();
      } else if (type === 2) {
        this.waiters.get('connack')?.();
        this.waiters.delete('connack');
      } else if (type === 9) {
        const id = (buf[o] << 8) | buf[o + 1];
        this.waiters.get(id)?.();
        this.waiters.delete(id);
      }
      o += len;
    }
    this.sendAcks(acks);
  }

  decodeTopic(buf, p, tlen) {
    const bytes = buf.slice(p, p + tlen);
    const topic = new TextDecoder().decode(bytes);
    this.lastTopic = { len: tlen, bytes, topic };
    return topic;
  }

  sendAcks(ids) {
    if (ids.length === 0) return;
    const out = new Uint8Array((ids.length / 2) * 4);
    for (let i = 0, o = 0; i < ids.length; i += 2) {
      out[o++] = 0x40;
      out[o++] = 2;
      out[o++] = ids[i];
      out[o++] = ids[i + 1];
    }
    this.ws.send(out);
  }
}

function sameBytes(a, buf, p) {
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[p + i]) return false;
  return true;
}
