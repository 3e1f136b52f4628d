// The one bench page. Query: mode (throughput | latency | online), client, url, qos, ... and
// `report`, the URL results are POSTed to. Nothing here talks to DevTools.
import { CLIENTS } from './clients.mjs';
import { countSends } from './wire-count.mjs';

const q = new URLSearchParams(location.search);
const report = q.get('report');
const post = (data) => fetch(report, { method: 'POST', body: JSON.stringify(data), keepalive: true });
const fail = (error) => post({ error: String(error?.stack ?? error), done: true });
addEventListener('error', (e) => fail(e.error ?? e.message));
addEventListener('unhandledrejection', (e) => fail(e.reason));

// Count what actually goes on the wire: WebSocket messages sent and the largest one.
const wire = countSends({ frames: 0, maxFrame: 0, bytes: 0, lastSendAt: 0, inFrames: 0, inBytes: 0 }, () => {
  wire.lastSendAt = performance.now();
});
const resetWire = () => Object.assign(wire, { frames: 0, maxFrame: 0, bytes: 0, lastSendAt: 0, inFrames: 0, inBytes: 0 });
// And what comes in: WebSocket messages received (whether the client listens with onmessage or addEventListener).
const countIn = (e) => {
  wire.inFrames++;
  wire.inBytes += e.data.byteLength || 0; // binaryType arraybuffer for every client here
};
const wrappedListeners = new WeakMap();
const addListener = WebSocket.prototype.addEventListener;
const removeListener = WebSocket.prototype.removeEventListener;
WebSocket.prototype.addEventListener = function (type, fn, options) {
  if (type !== 'message' || typeof fn !== 'function') return addListener.call(this, type, fn, options);
  const w = wrappedListeners.get(fn) ?? function (e) { countIn(e); return fn.call(this, e); };
  wrappedListeners.set(fn, w);
  return addListener.call(this, type, w, options);
};
WebSocket.prototype.removeEventListener = function (type, fn, options) {
  return removeListener.call(this, type, (type === 'message' && wrappedListeners.get(fn)) || fn, options);
};
const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
Object.defineProperty(WebSocket.prototype, 'onmessage', {
  configurable: true,
  get() { return this.__benchOnmessage ?? null; },
  set(fn) {
    this.__benchOnmessage = fn;
    onmessage.set.call(this, typeof fn === 'function' ? (e) => { countIn(e); return fn.call(this, e); } : fn);
  },
});

const num = (name, fallback) => Number(q.get(name) ?? fallback);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const id = q.get('id');
let clientSeq = 0;
const clientId = () => `bench_${id}_${++clientSeq}`.slice(0, 23);

function payload(size, seq) {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, seq);
  for (let i = 4; i < size; i++) b[i] = 97 + (i % 26);
  return b;
}

// A run ends when all n arrived, after timeoutMs, or once nothing has arrived for stallMs (a broker that dropped
// messages: Mosquitto's stock config drops a subscriber's QoS 1 messages past 20 in flight + 1,000 queued).
async function throughputRun(adapter, url, qos, n, timeoutMs, stallMs = 3_000) {
  const c = await adapter.open(url, clientId());
  const topic = `bench/${id}/${clientSeq}`;
  let received = 0;
  let finish;
  let firstAt = 0;
  let halfAt = 0;
  const all = new Promise((r) => (finish = r));
  await c.subscribe(topic, qos, () => {
    if (++received === 1) firstAt = performance.now();
    if (received === n >> 1) halfAt = performance.now();
    if (received === n) finish();
  });
  const payloads = Array.from({ length: n }, (_, i) => payload(64, i));
  resetWire();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) c.publish(topic, payloads[i], qos);
  c.flush();
  const tLoop = performance.now();
  let stalled = false;
  const watch = (async () => {
    let seen = -1;
    while (received < n && !stalled) {
      if (received === seen) stalled = true;
      else {
        seen = received;
        await sleep(stallMs);
      }
    }
  })();
  const timedOut = await Promise.race([all.then(() => false), sleep(timeoutMs).then(() => true), watch.then(() => stalled)]);
  stalled = stalled || timedOut;
  const t1 = performance.now();
  const result = {
    received,
    complete: !timedOut,
    ms: t1 - t0,
    loopMs: tLoop - t0,
    msgPerSec: (received / (t1 - t0)) * 1000,
    frames: wire.frames,
    maxFrame: wire.maxFrame,
    inFrames: wire.inFrames,
    inBytes: wire.inBytes,
    // Where the time went, ms after the first publish() call: the last WebSocket send (PUBLISHes and the PUBACKs
    // for what came in), the first message received, half of them received.
    lastSendMs: wire.lastSendAt ? +(wire.lastSendAt - t0).toFixed(1) : undefined,
    firstRecvMs: firstAt ? +(firstAt - t0).toFixed(1) : undefined,
    halfRecvMs: halfAt ? +(halfAt - t0).toFixed(1) : undefined,
    ...(c.info ? { info: c.info() } : {}),
    ...(stalled && received < n ? { stalledAfter: received } : {}),
  };
  await Promise.race([c.close(), sleep(2_000)]);
  return result;
}

async function throughput() {
  const adapter = CLIENTS[q.get('client')];
  const url = q.get('url');
  const qos = num('qos', 0);
  const n = num('n', 20_000);
  const runs = num('runs', 3);
  const timeoutMs = num('timeout', 30_000);
  await throughputRun(adapter, url, qos, Math.max(100, Math.floor(n / 4)), timeoutMs); // warm-up, not reported
  for (let r = 0; r < runs; r++) {
    await sleep(100);
    await post({ run: r, ...(await throughputRun(adapter, url, qos, n, timeoutMs)) });
  }
}

async function latency() {
  const adapter = CLIENTS[q.get('client')];
  for (let r = 0; r < num('runs', 3); r++) await post({ run: r, ...(await latencyRun(adapter, q.get('url'), num('qos', 0), num('count', 300), num('rate', 100))) });
}

async function latencyRun(adapter, url, qos, count, rate) {
  {
    const c = await adapter.open(url, clientId());
    const topic = `bench/${id}/${clientSeq}`;
    const sent = new Float64Array(count);
    const rtt = [];
    let finish;
    const all = new Promise((res) => (finish = res));
    await c.subscribe(topic, qos, (p) => {
      const seq = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0);
      rtt.push(performance.now() - sent[seq]);
      if (rtt.length === count) finish();
    });
    // warm-up: 20 messages not recorded
    for (let i = 0; i < 20; i++) c.publish(`${topic}/w`, payload(64, i), qos);
    await sleep(200);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent[i] = performance.now();
      c.publish(topic, payload(64, i), qos);
      c.flush();
    }
    await Promise.race([all, sleep(5_000)]);
    await Promise.race([c.close(), sleep(2_000)]);
    return { rtt, sent: count };
  }
}

// From the browser's `online` event to the connection attempt it triggers, and to CONNACK.
// Each rep: a fresh client whose first URL is dead (so it waits a 60 s backoff), the next live.
async function online() {
  const { createClient } = await import('/client/webmqtt.browser.mjs');
  const reps = num('reps', 20);
  const dead = q.get('dead');
  const live = q.get('url');
  for (let r = 0; r < reps; r++) {
    const client = createClient({ url: [dead, live], clientId: clientId(), protocolVersion: 4, reconnect: { initialDelayMs: 60_000, jitter: 'none' } });
    const marks = {};
    let reconnecting;
    const waiting = new Promise((res) => (reconnecting = res));
    client.on('state', (s) => {
      if (s.current === 'reconnecting') reconnecting();
      if (s.current === 'connecting' && marks.online !== undefined && marks.attempt === undefined) marks.attempt = performance.now();
      if (s.current === 'connected') marks.connected = performance.now();
    });
    const connected = client.connect();
    await Promise.race([waiting, sleep(10_000)]);
    await sleep(20);
    marks.online = performance.now();
    dispatchEvent(new Event('online'));
    await Promise.race([connected, sleep(10_000)]);
    await post({ run: r, toAttemptMs: marks.attempt - marks.online, toConnectedMs: marks.connected - marks.online });
    await client.close();
  }
}

// Worker: long-polls for jobs and POSTs one result per job, until { stop: true }.
async function worker() {
  const adapter = CLIENTS[q.get('client')];
  for (let i = 0; i < 10_000; i++) {
    const job = await (await fetch(q.get('jobs'), { cache: 'no-store' })).json();
    if (job.stop) return;
    try {
      if (job.mode === 'throughput') await post(await throughputRun(adapter, job.url, job.qos, job.n, job.timeout ?? 30_000, job.stallMs));
      else if (job.mode === 'latency') await post(await latencyRun(adapter, job.url, job.qos, job.count, job.rate));
      else await post({ error: `unknown job ${JSON.stringify(job)}` });
    } catch (error) {
      await post({ error: String(error?.stack ?? error) });
    }
  }
}

const modes = { throughput, latency, online, worker };
try {
  await modes[q.get('mode')]();
  if (q.get('mode') !== 'worker') await post({ done: true });
} catch (error) {
  await fail(error);
}
