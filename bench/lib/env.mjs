// Machine and version facts recorded with every result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromiumVersion } from './browser.mjs';
import { MOSQUITTO } from './mosquitto.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')).version;
  } catch {
    return 'unknown';
  }
};

export async function environment() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch { /* not Linux */ }
  let mosquitto = 'not installed';
  try {
    mosquitto = execFileSync(MOSQUITTO, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0];
  } catch (error) {
    mosquitto = String(error.stdout ?? '').split('\n')[0] || 'not installed';
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch { /* not a checkout */ }
  return {
    date: new Date().toISOString(),
    commit,
    cpus: cpus().length,
    loadAverageAtStart: loadavg().map((l) => +l.toFixed(1)),
    cpuModel,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    chromium: await chromiumVersion(),
    mosquitto,
    mqtt: version('mqtt'),
    paho: version('paho-mqtt'),
    aedes: version('aedes'),
    qlobber: version('qlobber'),
    webmqtt: JSON.parse(readFileSync(`${root}packages/client/package.json`, 'utf8')).version,
  };
}
