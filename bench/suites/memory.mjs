// Case 4: 1,000 forced reconnects of one client: heap delta, listener and timer counts before/after.
// Then the heap per 10,000 queued publishes (made while not connected) and per 1,000 live subscriptions,
// webmqtt vs MQTT.js (memory-child-heap.mjs), returned as `heap` rows on the result.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { freePort } from '../lib/mosquitto.mjs';
import { median, withTimeout } from '../lib/stats.mjs';

function child(file, args) {
  const c = fork(fileURLToPath(new URL(file, import.meta.url)), args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return withTimeout(new Promise((resolve, reject) => {
    c.once('message', resolve);
    c.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
  }), 120_000, `${file} ${args.join(' ')}`).finally(() => c.kill('SIGKILL'));
}

/** Heap per queued publish and per live subscription, median of `reps` fresh processes each. */
async function heapRows({ quick, log, brokerUrl }) {
  const reps = quick ? 1 : 3;
  const dead = `ws://127.0.0.1:${await freePort()}/mqtt`;
  const cases = [['queue0', 10_000, dead], ['queue1', 10_000, dead], ['subs', 1_000, brokerUrl]];
  const rows = [];
  for (const [what, count, url] of cases) {
    for (const kind of ['webmqtt', 'mqtt']) {
      const got = [];
      let error;
      for (let i = 0; i < reps; i++) {
        try {
          got.push(await child('./memory-child-heap.mjs', [kind, what, url, String(count)]));
        } catch (e) {
          error = String(e.message);
        }
      }
      const row = { kind, what, count, reps: got.length, heapDeltaBytes: median(got.map((g) => g.heapDelta)), runs: got.map((g) => g.heapDelta), held: got[0]?.held, ...(error ? { error } : {}) };
      rows.push(row);
      log(`  memory heap ${kind} ${what} × ${count}: ${(row.heapDeltaBytes / 1024).toFixed(0)} KiB (${got.map((g) => (g.heapDelta / 1024).toFixed(0)).join(', ')}), held ${row.held}${error ? ` ERROR ${error}` : ''}`);
    }
  }
  return rows;
}

export async function memory(ctx) {
  const { quick, log } = ctx;
  const count = quick ? 200 : 1_000;
  const broker = await startDevBroker();
  const rows = [];
  try {
    for (const kind of ['webmqtt', 'mqtt']) {
      const child = fork(fileURLToPath(new URL('./memory-child.mjs', import.meta.url)), [kind, broker.url, String(count)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      try {
        const result = await withTimeout(new Promise((resolve, reject) => {
          child.once('message', resolve);
          child.once('exit', (code) => reject(new Error(`memory child exited (${code})`)));
        }), 120_000, `memory ${kind}`);
        rows.push(result);
        log(`  memory ${kind}: ${result.reconnects} reconnects in ${result.elapsedMs} ms, heap ${((result.after.heapUsed - result.before.heapUsed) / 1024).toFixed(0)} KiB, listeners ${result.before.mqttListeners}->${result.after.mqttListeners}, timers ${result.before.timers}->${result.after.timers}`);
      } catch (error) {
        rows.push({ kind, error: String(error.message) });
        log(`  memory ${kind}: ERROR ${error.message}`);
      } finally {
        child.kill('SIGKILL');
      }
    }
    try {
      rows.heap = await heapRows({ quick, log, brokerUrl: broker.url });
    } catch (error) {
      rows.heap = [{ error: String(error.message) }];
    }
  } finally {
    await broker.stop();
  }
  // The reconnect rows stay the array they were (bench/lib/report.mjs reads both shapes).
  return { reconnects: rows, heap: rows.heap };
}
