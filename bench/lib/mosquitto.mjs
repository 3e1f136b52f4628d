// Starts Mosquitto on free loopback ports with a WebSocket listener; undefined when it is not installed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './stats.mjs';

export const MOSQUITTO = process.env.WEBMQTT_MOSQUITTO ?? '/usr/sbin/mosquitto';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise((resolve) => {
      const c = createConnection({ port, host: '127.0.0.1' });
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

// The headline rows run Mosquitto as users run it: its stock config, plus only what it takes to listen on a
// test-picked loopback port (no max_inflight_messages / max_queued_messages / persistence lines, so Receive
// Maximum 20 to MQTT 5 clients, 20 in flight and 1,000 queued per subscriber). 'unlimited' is the earlier setup,
// kept for labelled extra rows: no broker-side window at all.
export const MOSQUITTO_PROFILES = {
  stock: { label: 'Mosquitto', note: 'stock config (Receive Maximum 20, 20 in flight / 1,000 queued per client): only listeners, allow_anonymous true, user root when root', extra: [] },
  unlimited: {
    label: 'Mosquitto (unlimited window)',
    note: 'max_inflight_messages 0, max_queued_messages 0 (no broker-side window), persistence false',
    // With the defaults a QoS 1 burst is bounded by the broker's ack round trips and drops what does not fit.
    extra: ['persistence false', 'max_inflight_messages 0', 'max_queued_messages 0'],
  },
};
export const MOSQUITTO_CONF_NOTE = MOSQUITTO_PROFILES.stock.note;

/** `profile`: 'stock' (default) or 'unlimited'. Resolves with { url, conf (the file's text), note, stop() }. */
export async function startMosquitto({ profile = 'stock' } = {}) {
  if (!existsSync(MOSQUITTO)) return undefined;
  const chosen = MOSQUITTO_PROFILES[profile];
  if (!chosen) throw new Error(`unknown Mosquitto profile ${profile}`);
  const dir = mkdtempSync(join(tmpdir(), 'webmqtt-bench-mosquitto-'));
  const [tcpPort, wsPort] = [await freePort(), await freePort()];
  const conf = [
    `listener ${tcpPort} 127.0.0.1`,
    'protocol mqtt',
    `listener ${wsPort} 127.0.0.1`,
    'protocol websockets',
    'socket_domain ipv4',
    'allow_anonymous true',
    ...chosen.extra,
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  const child = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await Promise.race([waitForPort(wsPort), exited.then((code) => { throw new Error(`mosquitto exited (${code}): ${stderr}`); })]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `ws://127.0.0.1:${wsPort}/mqtt`,
    conf: conf.replace(/^listener \d+/gm, 'listener <port>').trim(),
    note: chosen.note,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3_000)]);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
