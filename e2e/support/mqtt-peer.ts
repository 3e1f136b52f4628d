import { execFile, spawn } from 'node:child_process';
import mqtt from 'mqtt';
import type { E2EAuth, E2EBroker } from './fixtures';

/**
 * A client outside the browser, for specs that need someone else on the broker: on Mosquitto the
 * command-line clients over its plain MQTT listener (mosquitto_pub, mosquitto_sub), on aedes (WebSocket only)
 * a plain MQTT.js client in the test process. MQTT 3.1.1 both ways, so it speaks to either broker.
 */
export interface MqttPeer {
  /** Which program is on the other end, for the test's log. */
  readonly kind: 'mosquitto-cli' | 'mqtt.js';
  /** One publish, settled once the broker has it (QoS 1: its PUBACK; the CLI: once mosquitto_pub exits). */
  publish(topic: string, payload: string, qos: 0 | 1): Promise<void>;
  /** A QoS 1 subscription; resolves once the broker has granted it (SUBACK). */
  subscribe(filter: string): Promise<PeerSubscription>;
  /** Ends every subscription and connection the peer opened. */
  close(): Promise<void>;
}

export interface PeerSubscription {
  /** Payloads received so far, in arrival order, duplicates included. */
  readonly payloads: readonly string[];
}

const CLI = { pub: '/usr/bin/mosquitto_pub', sub: '/usr/bin/mosquitto_sub', stdbuf: '/usr/bin/stdbuf' };

/** A peer for this broker (see {@link MqttPeer}). */
export async function startPeer(broker: E2EBroker, auth: E2EAuth): Promise<MqttPeer> {
  return broker.kind === 'mosquitto' ? cliPeer(broker.mqtt, auth) : mqttJsPeer(broker.urls.ws, auth);
}

function cliPeer(at: { host: string; port: number }, auth: E2EAuth): MqttPeer {
  const base = ['-h', at.host, '-p', String(at.port), '-u', auth.username ?? '', '-P', auth.token, '-V', 'mqttv311'];
  const children = new Set<ReturnType<typeof spawn>>();
  return {
    kind: 'mosquitto-cli',
    publish: (topic, payload, qos) => new Promise((resolve, reject) => {
      execFile(CLI.pub, [...base, '-t', topic, '-m', payload, '-q', String(qos)], { timeout: 10_000 }, (error, _out, stderr) => {
        if (error) reject(new Error(`mosquitto_pub failed: ${stderr || error.message}`));
        else resolve();
      });
    }),
    subscribe: (filter) => new Promise((resolve, reject) => {
      // -d prints "received SUBACK"; each message is one line "MSG <payload>" (the payloads here have no newline).
      // stdbuf -oL: into a pipe mosquitto_sub's stdout is block-buffered, and the SUBACK line would wait for the
      // first message (or the exit) to be flushed.
      const child = spawn(CLI.stdbuf, ['-oL', CLI.sub, ...base, '-t', filter, '-q', '1', '-d', '-F', 'MSG %p'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      const payloads: string[] = [];
      let partial = '';
      let log = '';
      let granted = false;
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('MSG ')) payloads.push(line.slice(4));
          else if (!granted && line.includes('received SUBACK')) {
            granted = true;
            resolve({ payloads });
          }
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-2_000)));
      child.on('exit', (code) => {
        children.delete(child);
        if (!granted) reject(new Error(`mosquitto_sub exited (${code}) before its SUBACK: ${log}`));
      });
    }),
    close: async () => {
      await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      })));
    },
  };
}

async function mqttJsPeer(url: string, auth: E2EAuth): Promise<MqttPeer> {
  const client = await mqtt.connectAsync(url, {
    username: auth.username ?? 'tabs-peer', password: auth.token,
    protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000,
  });
  const byFilter = new Map<string, string[]>();
  client.on('message', (topic, payload) => {
    // Only exact filters are used with this peer: the topic names its list.
    byFilter.get(topic)?.push(payload.toString());
  });
  return {
    kind: 'mqtt.js',
    publish: async (topic, payload, qos) => {
      await client.publishAsync(topic, payload, { qos });
    },
    subscribe: async (filter) => {
      if (/[+#]/.test(filter)) throw new Error('the MQTT.js peer takes exact topics only');
      const payloads: string[] = [];
      byFilter.set(filter, payloads);
      await client.subscribeAsync(filter, { qos: 1 });
      return { payloads };
    },
    close: async () => {
      await client.endAsync();
    },
  };
}
