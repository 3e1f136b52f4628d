// One tab of bench/suites/tabs.mjs: a webmqtt client, shareAcrossTabs on or off, that reports its role and state
// changes as they happen (a POST per change, timed on arrival in Node) and, with `jobs`, runs publish jobs.
// Query: url, clientId, share (1: shareAcrossTabs true, the default group), id, report, jobs (optional). Jobs:
// { topic, qos, n, timeoutMs } a publish burst; { mode: 'wire' } the WebSocket messages sent since the last one.
import { createClient } from '/client/webmqtt.browser.mjs';
import { countSends } from './wire-count.mjs';

const q = new URLSearchParams(location.search);
// `seq`: POSTs may overtake each other on the way; `pageAt`: this page's clock, for a cross-check of Node's.
let seq = 0;
const post = (data) => fetch(q.get('report'), { method: 'POST', body: JSON.stringify({ ...data, seq: ++seq, pageAt: Date.now() }), keepalive: true });
addEventListener('error', (e) => post({ kind: 'error', error: String(e.error?.stack ?? e.message) }));
addEventListener('unhandledrejection', (e) => post({ kind: 'error', error: String(e.reason?.stack ?? e.reason) }));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// WebSocket messages this tab sent (only the tab holding a connection sends any), read and reset by a 'wire' job.
const wire = countSends({ frames: 0, bytes: 0, maxFrame: 0 });
// Only the option under test differs from a default client: a solo tab passes no shareAcrossTabs at all.
const client = createClient({ url: q.get('url'), clientId: q.get('clientId'), ...(q.get('share') === '1' ? { shareAcrossTabs: true } : {}) });

client.on('role', ({ role }) => post({ kind: 'role', role }));
client.on('state', ({ current }) => {
  post({ kind: 'state', current, role: client.role });
  // The first `connected` after this tab took the lead is the group's connection up again, held by this tab. (Its
  // state mirrored the old leader's `connected` until then: the state *event* is the sign, not `client.state`.)
  if (current === 'connected' && client.role === 'leader') post({ kind: 'leading' });
});
client.on('error', (e) => post({ kind: 'client-error', code: e.code, message: e.message }));

function payload(size, seq) {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, seq);
  for (let i = 4; i < size; i++) b[i] = 97 + (i % 26);
  return b;
}

/**
 * `n` publishes of 64 B to `topic`, all called in one loop as an app bursting would. `startedAt` (Date.now(), the
 * machine's clock like Node's) lets Node time the burst to its last arrival at a subscriber; `settledMs` is the
 * time to the last publish() promise settling here (QoS 1: its PUBACK relayed back to this tab).
 */
async function publishRun({ topic, qos, n, timeoutMs }) {
  const payloads = Array.from({ length: n }, (_, i) => payload(64, i));
  const visibility = document.visibilityState;
  let settled = 0;
  let failed = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  const count = () => { if (++settled === n) done(); };
  const fail = () => { failed++; count(); };
  const startedAt = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) client.publish(topic, payloads[i], { qos }).then(count, fail);
  const loopMs = performance.now() - t0;
  const complete = await Promise.race([all.then(() => true), sleep(timeoutMs).then(() => false)]);
  const settledMs = performance.now() - t0;
  return { startedAt, loopMs, settledMs, settled, failed, complete, role: client.role, visibility, protocolVersion: client.protocolVersion };
}

try {
  await client.connect();
  post({ kind: 'connected', role: client.role, protocolVersion: client.protocolVersion });
} catch (error) {
  post({ kind: 'error', error: `connect(): ${error.code ?? ''} ${error.message}` });
}

if (q.get('jobs')) {
  for (;;) {
    const job = await (await fetch(q.get('jobs'), { cache: 'no-store' })).json();
    if (job.stop) break;
    try {
      if (job.mode === 'wire') {
        post({ kind: 'job', ...wire });
        Object.assign(wire, { frames: 0, bytes: 0, maxFrame: 0 });
      } else post({ kind: 'job', ...(await publishRun(job)) });
    } catch (error) {
      post({ kind: 'job', error: String(error?.stack ?? error) });
    }
  }
}
