// Case 4: 1,000 forced reconnects of one client: heap delta, listener and timer counts before/after.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDevBroker } from '../lib/dev-broker.mjs';
import { withTimeout } from '../lib/stats.mjs';

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
  } finally {
    await broker.stop();
  }
  return rows;
}
