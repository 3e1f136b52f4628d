// A minimal MQTT client written straight on the browser's WebSocket: the ceiling the libraries are
// measured against. CONNECT, SUBSCRIBE, PUBLISH QoS 0/1, PUBACK, nothing else.
// `batch` PUBLISH packets are written per WebSocket message (1 = one frame per message).
// `version` 4 (MQTT 3.1.1, the default) or 5. `windowed`: QoS 1 publishes never exceed the window the
// broker allows: MQTT 5, the Receive Maximum of its CONNACK (65,535 when it sends none); 3.1.1 has no
// Receive Maximum, so the window webmqtt uses on that path (MAX_IN_FLIGHT, 100, in
// packages/client/src/connection/connection.ts). Held publishes go out as PUBACKs free slots: after each incoming
// WebSocket message, every slot it freed is refilled, one frame per PUBLISH (batch 1) or all in one frame.

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

/** webmqtt's in-flight cap on the 3.1.1 path (packages/client/src/connection/connection.ts MAX_IN_FLIGHT). */
export const SDK_WINDOW_311 = 100;

export class RawMqttClient {
  constructor({ batch = 1, version = 4, windowed = false } = {}) {
    this.batch = batch;
    this.version = version;
    this.windowed = windowed;
    this.window = Infinity; // set from the CONNACK when windowed
    this.inFlight = 0;
    this.held = []; // encoded QoS 1 PUBLISH packets waiting for a window slot
    this.heldHead = 0;
    this.maxInFlight = 0;
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
      const refused = (why) => Object.assign(new Error(`raw client (MQTT ${this.version}): ${why}`), { beforeConnack: !this.connected });
      ws.onerror = () => reject(refused('WebSocket error'));
      ws.onclose = () => reject(refused('WebSocket closed'));
      ws.onmessage = (e) => this.onData(new Uint8Array(e.data));
      ws.onopen = () => {
        this.waiters.set('connack', (code) => {
          if (code) return reject(refused(`CONNACK code ${code}`));
          this.connected = true;
          resolve();
        });
        // protocol "MQTT" level 4 or 5, clean session / clean start, keepalive 60 s (MQTT 5: no properties)
        ws.send(packet(0x10, [...mqttString('MQTT'), this.version, 0x02, 0, 60, ...(this.version === 5 ? [0] : []), ...mqttString(clientId)]));
      };
    });
  }

  subscribe(topic, qos, handler) {
    const id = this.id();
    this.handlers.set(topic, handler);
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.ws.send(packet(0x82, [id >> 8, id & 0xff, ...(this.version === 5 ? [0] : []), ...mqttString(topic), qos]));
    });
  }

  publish(topic, payload, qos) {
    const t = this.topicCache?.topic === topic ? this.topicCache.bytes : (this.topicCache = { topic, bytes: enc.encode(topic) }).bytes;
    const v5 = this.version === 5;
    const len = 2 + t.length + (qos ? 2 : 0) + (v5 ? 1 : 0) + payload.length;
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
    if (v5) p[o++] = 0; // no properties
    p.set(payload, o);
    if (qos && this.windowed) {
      if (this.inFlight >= this.window) {
        this.held.push(p);
        return;
      }
      this.inFlight++;
      if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    }
    this.write(p);
  }

  write(p) {
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
    let freed = 0;
    while (o < buf.length) {
      const start = o;
      const first = buf[o++];
      let len = 0;
      let mul = 1;
      let byte;
      do {
        if (o >= buf.length) { this.rest = buf.slice(start); this.release(freed); return this.sendAcks(acks); }
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
        if (this.version === 5) {
          const [propLen, at] = varint(buf, p);
          p = at + propLen;
        }
        this.handlers.get(topic)?.(buf.subarray(p, o + len));
      } else if (type === 4) {
        this.acked++;
        freed++;
      } else if (type === 2) {
        const code = buf[o + 1];
        if (this.version === 5 && code === 0) {
          const [propLen, at] = varint(buf, o + 2);
          const rm = property(buf, at, at + propLen, 0x21);
          this.receiveMaximum = rm ?? 65_535;
        }
        if (this.windowed) this.window = this.version === 5 ? this.receiveMaximum : SDK_WINDOW_311;
        this.waiters.get('connack')?.(code);
        this.waiters.delete('connack');
      } else if (type === 9) {
        const id = (buf[o] << 8) | buf[o + 1];
        this.waiters.get(id)?.();
        this.waiters.delete(id);
      }
      o += len;
    }
    this.release(freed);
    this.sendAcks(acks);
  }

  /** `freed` PUBACKs came in one WebSocket message: refill the window from the held publishes. */
  release(freed) {
    if (!this.windowed || freed === 0) return;
    this.inFlight -= freed;
    while (this.inFlight < this.window && this.heldHead < this.held.length) {
      const p = this.held[this.heldHead];
      this.held[this.heldHead++] = undefined;
      this.inFlight++;
      if (this.batch === 1) this.ws.send(p);
      else {
        this.pending.push(p);
        this.pendingBytes += p.length;
      }
    }
    if (this.heldHead === this.held.length) {
      this.held = [];
      this.heldHead = 0;
    }
    this.flush(); // the batched variant: all the publishes one message released, in one frame
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

/** MQTT variable byte integer at `p`: [value, offset after it]. */
function varint(buf, p) {
  let value = 0;
  let mul = 1;
  let byte;
  do {
    byte = buf[p++];
    value += (byte & 0x7f) * mul;
    mul *= 128;
  } while (byte & 0x80);
  return [value, p];
}

/** The value of 2-byte integer property `id` in the MQTT 5 properties buf[p..end), or undefined. */
function property(buf, p, end, id) {
  const one = [0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a];
  const two = [0x13, 0x21, 0x22, 0x23];
  const four = [0x02, 0x11, 0x18, 0x27];
  while (p < end) {
    const pid = buf[p++];
    if (pid === id) return (buf[p] << 8) | buf[p + 1];
    if (one.includes(pid)) p += 1;
    else if (two.includes(pid)) p += 2;
    else if (four.includes(pid)) p += 4;
    else if (pid === 0x0b) p = varint(buf, p)[1];
    else if (pid === 0x26) { p += 2 + ((buf[p] << 8) | buf[p + 1]); p += 2 + ((buf[p] << 8) | buf[p + 1]); }
    else p += 2 + ((buf[p] << 8) | buf[p + 1]); // UTF-8 string or binary data
  }
  return undefined;
}

function sameBytes(a, buf, p) {
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[p + i]) return false;
  return true;
}
