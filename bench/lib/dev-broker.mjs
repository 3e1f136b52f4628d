// Starts the dev broker in a child process; pause()/resume() resolve with the broker-side timestamp.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './stats.mjs';

export async function startDevBroker({ maxPacketSize = 1024 * 1024 } = {}) {
  const child = fork(fileURLToPath(new URL('./dev-broker-child.mjs', import.meta.url)), [], {
    env: { ...process.env, BENCH_MAX_PACKET: String(maxPacketSize) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await withTimeout(new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`dev broker exited (${code})`)));
  }), 15_000, 'dev broker start');
  let seq = 0;
  const pending = new Map();
  child.on('message', (msg) => {
    if (msg.type !== 'reply') return;
    const p = pending.get(msg.seq);
    pending.delete(msg.seq);
    if (msg.error) p?.reject(new Error(msg.error));
    else p?.resolve(msg);
  });
  const call = (cmd) => withTimeout(new Promise((resolve, reject) => {
    const id = ++seq;
    pending.set(id, { resolve, reject });
    child.send({ cmd, seq: id });
  }), 15_000, `dev broker ${cmd}`);
  return {
    url: ready.url,
    maxPacketSize,
    pause: () => call('pause'),
    resume: () => call('resume'),
    clients: async () => (await call('clients')).value,
    async stop() {
      try { await call('stop'); } catch { child.kill('SIGKILL'); }
    },
  };
}
