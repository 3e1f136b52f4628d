import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startBroker } from '@webmqtt/broker';
import { test, expect } from './support/fixtures';
import { startChaosProxy, type ChaosProxy } from './support/chaos-proxy';
import { MOSQUITTO_USERNAME, mosquittoAvailable, startMosquitto } from './support/mosquitto';

// Delivery guarantees through a hostile network: a seeded proxy between the browser and the broker cuts,
// stalls (half-open), delays and fragments the WebSocket's TCP stream while QoS 1 / QoS 2 traffic flows
// both ways with a persistent session (clean: false). The spec starts its own broker behind the proxy:
// the dev broker (aedes) for QoS 1, Mosquitto for QoS 1 and QoS 2 (aedes itself loses QoS 2 messages across
// reconnects, so its QoS 2 case runs in the full run only, as an expected failure).
//
// Replay a run: CHAOS_SEED=<seed printed by the failing run> npx playwright test e2e/chaos.spec.ts
// (add CHAOS_DEBUG=1 for a timeline of the browser's sockets, MQTT.js's flags and the proxy's connections)
// QoS 1 duplicates are counted and reported (annotations, console); QoS 2 must have none.
// Full run (10,000 messages each way): CHAOS_FULL=1 npx playwright test e2e/chaos.spec.ts (npm run test:chaos)

const FULL = process.env['CHAOS_FULL'] === '1';
const COUNT = Number(process.env['CHAOS_COUNT'] ?? (FULL ? 10_000 : 1_500));
/** Messages per second in each direction: CI sends 1,500 in ~15 s, the full run 10,000 in ~50 s. */
const RATE = FULL ? 200 : 100;
/** QoS 1/2 publishes the Node source has unacknowledged at most (Mosquitto's max_inflight_messages, see below). */
const SOURCE_IN_FLIGHT = 20;
/** CHAOS_DEBUG=1: a timeline of the client's sockets, MQTT.js flags and the proxy's connections, printed at the end. */
const DEBUG = process.env['CHAOS_DEBUG'] === '1';
const BASE_SEED = process.env['CHAOS_SEED'] !== undefined ? Number(process.env['CHAOS_SEED']) : Math.floor(Math.random() * 2 ** 31);

/** The command that replays a case's faults: its seed derives from CHAOS_SEED; the other knobs this run was given go along. */
function replayCommand(target: string, qos: number): string {
  const knobs = ['CHAOS_FULL', 'CHAOS_COUNT', 'CHAOS_STALLS'].flatMap((name) => (process.env[name] === undefined ? [] : [`${name}=${process.env[name]}`]));
  return `${[`CHAOS_SEED=${BASE_SEED}`, ...knobs].join(' ')} npx playwright test e2e/chaos.spec.ts --project=aedes -g "${target}, QoS ${qos},"`;
}

/** Keepalive 2 s: MQTT.js declares a silent link dead after 1.5 x keepalive, so a stall is noticed within ~3 s. */
const CLIENT_OPTIONS = {
  protocolVersion: 4,
  clean: false,
  keepalive: 2,
  connectTimeoutMs: 3_000,
  reconnect: { initialDelayMs: 50, maxDelayMs: 1_000, factor: 2, jitter: 'full', resetAfterMs: 5_000 },
  // Everything published during an outage waits here; sized for the whole run so overflow is never what is tested.
  offlineQueue: { maxMessages: COUNT + 1_000, maxBytes: 64 * 1024 * 1024, overflow: 'reject' },
};

interface PageCounts {
  upIssued: number;
  upSettled: number;
  upOutcomes: Record<string, number>;
  downUnique: number;
  downCopies: number;
  /** Copies that arrived on the same connection as the first copy: MQTT never allows that. */
  downSameConnectionDups: number;
  downMissing: number[];
  connects: number;
  sessionPresent: number;
  state: string;
  /** State changes as 'current(code)', consecutive repeats folded: what the client went through. */
  journey: string;
  errors: string[];
}

class Sink {
  readonly seen = new Set<string>();
  copies = 0;
  constructor(readonly client: MqttClient) {}
}

type ChaosBrokerKind = 'aedes' | 'mosquitto';

/** A broker of its own for one chaos test: where the proxy points, and the credentials every client uses. */
interface ChaosBroker {
  wsUrl: string;
  host: string;
  port: number;
  credentials: { username: string; password: string } | undefined;
  stop(): Promise<void>;
}

async function startChaosBroker(kind: ChaosBrokerKind): Promise<ChaosBroker> {
  if (kind === 'aedes') {
    const broker = await startBroker({ wsPort: 0, wssPort: false, auth: { anonymous: true } });
    return { wsUrl: broker.urls.ws, host: broker.host, port: broker.wsPort, credentials: undefined, stop: () => broker.stop() };
  }
  const broker = await startMosquitto({ certDir: mkdtempSync(join(tmpdir(), 'webmqtt-chaos-certs-')) });
  const url = new URL(broker.urls.ws);
  return {
    wsUrl: broker.urls.ws, host: url.hostname, port: Number(url.port),
    credentials: { username: MOSQUITTO_USERNAME, password: await broker.issueToken() },
    stop: () => broker.stop(),
  };
}

function connectNode(url: string, clientId: string, credentials: ChaosBroker['credentials']): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 500, connectTimeout: 5_000, ...credentials });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

function endNode(client: MqttClient | undefined): Promise<void> {
  return new Promise((resolve) => (client ? client.end(true, {}, () => resolve()) : resolve()));
}

const CASES: { target: ChaosBrokerKind; qos: 1 | 2 }[] = [
  { target: 'aedes', qos: 1 },
  { target: 'mosquitto', qos: 1 },
  { target: 'mosquitto', qos: 2 },
  { target: 'aedes', qos: 2 },
];

for (const { target, qos } of CASES) {
  test(`${target}, QoS ${qos}, clean: false, through cuts, stalls, delays and fragments: ${COUNT} messages each way arrive complete${qos === 2 ? ', none twice' : ''}`, async ({ esmPage }, testInfo) => {
    const kind = (testInfo.project.use as Record<string, unknown>)['brokerKind'];
    test.skip(kind !== undefined && kind !== 'aedes', 'chaos starts its own brokers: it runs once, in the aedes project');
    test.skip(target === 'mosquitto' && !mosquittoAvailable() && !process.env['CI'], 'needs /usr/sbin/mosquitto (with CI=true its absence is a failure)');
    // BUG (broker side, not the SDK): aedes 1.2 loses QoS 2 messages across stalls and cuts with clean: false — PUBCOMP'd
    // publishes never reach the subscriber, broker -> browser ones go missing or arrive twice; reproduced with plain
    // MQTT.js (Node) through the same proxy, no webmqtt involved. The same SDK passes QoS 2 on Mosquitto (the case above).
    // Shown in the full run only: a seed with few faults could let aedes through, and an unexpected pass would turn CI red.
    test.skip(target === 'aedes' && qos === 2 && !FULL, 'aedes loses QoS 2 messages across reconnects (a broker bug): CHAOS_FULL=1 shows it');
    test.fail(target === 'aedes' && qos === 2, 'aedes loses / duplicates QoS 2 messages across reconnects (reproduced without the SDK)');
    test.setTimeout(FULL ? 600_000 : 200_000);
    const seed = (BASE_SEED + qos + (target === 'mosquitto' ? 10 : 0)) >>> 0;
    // The seed is random per run: every way this test can fail must say it. Each assertion carries `replay` as its
    // message; a text attachment is printed under every failure, a timeout or an error thrown on the way included.
    const replay = `chaos seed ${seed}; replay: ${replayCommand(target, qos)}`;
    console.log(`[chaos] ${target} QoS ${qos}: ${replay}`);
    testInfo.annotations.push({ type: 'chaos seed', description: `${seed} (CHAOS_SEED=${BASE_SEED})` });
    await testInfo.attach('chaos replay', { body: replay, contentType: 'text/plain' });

    let broker: ChaosBroker | undefined;
    let proxy: ChaosProxy | undefined;
    let sink: Sink | undefined;
    let source: MqttClient | undefined;
    try {
      broker = await startChaosBroker(target);
      const credentials = broker.credentials;
      proxy = await startChaosProxy({
        target: { host: broker.host, port: broker.port },
        seed,
        cutEveryMs: [300, 3_000],
        // Stalls (half-open links) in every run, CI included; CHAOS_STALLS=0 leaves them out (cuts only).
        stallProbability: process.env['CHAOS_STALLS'] === '0' ? 0 : 0.3,
        delayMs: [0, 30],
        fragment: true,
        // The client notices a stall within ~3 s (keepalive 2 s; connectTimeoutMs 3 s before a CONNACK). Its close()
        // never reaches the broker, so Chromium keeps the socket CLOSING; it does not hold up the next WebSocket
        // (seen with CHAOS_DEBUG=1), and the proxy ends the stalled pair as soon as that next connection arrives.
        stallMaxMs: 6_000,
      });
      const upTopic = `chaos/${seed}/up`;
      const downTopic = `chaos/${seed}/down`;

      // Node-side peers talk to the broker directly: only the browser's link is hostile.
      sink = new Sink(await connectNode(broker.wsUrl, `chaos-sink-${seed}`, credentials));
      const theSink = sink;
      theSink.client.on('message', (_topic, payload) => {
        theSink.seen.add(payload.toString());
        theSink.copies++;
      });
      await theSink.client.subscribeAsync(upTopic, { qos });
      source = await connectNode(broker.wsUrl, `chaos-source-${seed}`, credentials);

      if (DEBUG) await esmPage.evaluate(() => {
        // Every WebSocket the page opens, and every change of what MQTT.js and the client believe.
        const w = window as any;
        const Native = w.WebSocket;
        const sockets: any[] = [];
        const timeline: string[] = [];
        w.debugTimeline = timeline;
        const t0 = Date.now();
        const note = (line: string): void => {
          timeline.push(`${Date.now()} +${Date.now() - t0} ${line}`);
        };
        w.WebSocket = function (url: string, protocols: string[]) {
          const ws = new Native(url, protocols);
          const id = sockets.length + 1;
          sockets.push(ws);
          ws.__id = id;
          note(`ws${id} new`);
          ws.addEventListener('open', () => note(`ws${id} open`));
          ws.addEventListener('error', () => note(`ws${id} error`));
          ws.addEventListener('close', (e: any) => note(`ws${id} close code=${e.code} clean=${e.wasClean}`));
          const close = ws.close.bind(ws);
          ws.close = (...args: any[]) => {
            note(`ws${id} close() called in readyState ${ws.readyState}`);
            return close(...args);
          };
          return ws;
        };
        Object.assign(w.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3, prototype: Native.prototype });
        let last = '';
        setInterval(() => {
          const h = w.chaos;
          if (!h) return;
          const conn = h.client.connection;
          const m = conn?.mqtt;
          const stream = m?.stream;
          const ws = stream?.socket;
          const open = sockets.filter((s) => s.readyState !== 3).map((s) => `ws${s.__id}:${s.readyState}`).join(',');
          const line = `state=${conn?.state} mqtt.connected=${m?.connected} disconnecting=${m?.disconnecting} deferred=${!!m?._deferredReconnect} stream.destroyed=${stream?.destroyed} cur=ws${ws?.__id}:${ws?.readyState} notClosed=[${open}] store=${m?.outgoingStore?._inflights?.size}`;
          if (line !== last) note(line);
          last = line;
        }, 100);
      });

      await esmPage.evaluate(async ({ url, options, clientId, qos, upTopic, downTopic, count, rate }) => {
        const w = window as any;
        const h = w.makeHarness({ ...options, url, clientId });
        w.chaos = h;
        const down = { first: new Map<string, number>(), copies: 0, sameConnection: 0 };
        w.down = down;
        // Every attempt opens a new socket: messages can arrive on it before 'connect' (while MQTT.js re-sends
        // what was in flight), so a connection is counted from its 'connecting', not from its 'connect'.
        let connection = 0;
        h.client.on('state', (s: any) => {
          if (s.current === 'connecting') connection++;
        });
        await h.client.connect();
        await h.client.subscribe(downTopic, (m: any) => {
          const n = m.text();
          down.copies++;
          const firstOn = down.first.get(n);
          if (firstOn === undefined) down.first.set(n, connection);
          else if (firstOn === connection) down.sameConnection++;
        }, { qos });
        w.up = { issued: 0, outcomes: [] as Promise<string>[], settled: 0, tally: {} as Record<string, number> };
        // Paced in batches of 10, so faults land mid-stream rather than after a burst.
        void (async () => {
          for (let i = 0; i < count; i++) {
            const p = h.client.publish(upTopic, String(i), { qos }).then(() => 'ok', (e: any) => (e && e.code) || String(e));
            w.up.issued++;
            w.up.outcomes.push(p.then((o: string) => {
              w.up.settled++;
              w.up.tally[o] = (w.up.tally[o] ?? 0) + 1;
              return o;
            }));
            if (i % 10 === 9) await new Promise((r) => setTimeout(r, (10 * 1000) / rate));
          }
        })();
      }, {
        url: `${proxy.url}/mqtt`, clientId: `chaos-page-${seed}`, qos, upTopic, downTopic, count: COUNT, rate: RATE,
        options: { ...CLIENT_OPTIONS, ...(credentials ? { auth: { token: credentials.password, username: credentials.username } } : {}) },
      });

      // Broker -> browser at the same pace, published straight into the broker. At most 20 unacknowledged, as the SDK
      // does over 3.1.1 (issue #7): past 20 inbound QoS 2 messages awaiting PUBREL, Mosquitto (max_inflight_messages)
      // drops the next one yet answers PUBREC and PUBCOMP, so a source running ahead of its acks on a loaded machine
      // loses messages the test would blame on the browser.
      const sourceClient = source;
      let downAcked = 0;
      const downErrors: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        while (i - downAcked - downErrors.length >= SOURCE_IN_FLIGHT) await new Promise((r) => setTimeout(r, 5));
        sourceClient.publish(downTopic, String(i), { qos }, (error) => {
          if (error) downErrors.push(error.message);
          else downAcked++;
        });
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, (10 * 1000) / RATE));
      }

      const readCounts = (): Promise<PageCounts> => esmPage.evaluate((count) => {
        const w = window as any;
        const missing: number[] = [];
        for (let i = 0; i < count && missing.length < 20; i++) if (!w.down.first.has(String(i))) missing.push(i);
        return {
          upIssued: w.up.issued,
          upSettled: w.up.settled,
          upOutcomes: w.up.tally,
          downUnique: w.down.first.size,
          downCopies: w.down.copies,
          downSameConnectionDups: w.down.sameConnection,
          downMissing: missing,
          connects: w.chaos.record.connects.length,
          sessionPresent: w.chaos.record.connects.filter((c: any) => c.sessionPresent).length,
          state: w.chaos.client.state,
          journey: w.chaos.record.states.map((s: any) => (s.code ? `${s.current}(${s.code})` : s.current)).join(' '),
          errors: w.chaos.record.errors.map((e: any) => e.code).slice(0, 20),
        };
      }, COUNT);
      await expect.poll(async () => (await readCounts()).upIssued, { timeout: 60_000, message: `every publish() issued (${replay})` }).toBe(COUNT);

      // The network recovers: no new faults, so the tail can complete (a stall in progress still has to be noticed).
      proxy.calm();
      // Generous for a loaded machine: after the faults stop, a stall in progress is noticed within ~3 s, then MQTT.js
      // re-sends up to 100 unacknowledged publishes (one round trip each) before the client reports `connected`.
      const deadline = Date.now() + (FULL ? 120_000 : 90_000);
      let counts = await readCounts();
      while (Date.now() < deadline) {
        counts = await readCounts();
        if (counts.upSettled === COUNT && counts.downUnique === COUNT && theSink.seen.size === COUNT && downAcked === COUNT) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const sinkMissing: number[] = [];
      for (let i = 0; i < COUNT && sinkMissing.length < 20; i++) if (!theSink.seen.has(String(i))) sinkMissing.push(i);

      const report = {
        target,
        seed,
        qos,
        sent: COUNT,
        up: { unique: theSink.seen.size, duplicates: theSink.copies - theSink.seen.size, outcomes: counts.upOutcomes, missing: sinkMissing },
        down: { unique: counts.downUnique, duplicates: counts.downCopies - counts.downUnique, sameConnectionDuplicates: counts.downSameConnectionDups, missing: counts.downMissing, sourceAcked: downAcked },
        proxy: { ...proxy.stats },
        client: { connects: counts.connects, sessionPresent: counts.sessionPresent, state: counts.state, errors: counts.errors },
      };
      console.log(`[chaos] ${JSON.stringify(report)}`);
      console.log(`[chaos] client states: ${counts.journey}`);
      if (DEBUG) {
        const page: string[] = await esmPage.evaluate(() => (window as any).debugTimeline);
        const lines = [
          ...page.map((l) => ({ at: Number(l.split(' ')[0]), text: `page  ${l.split(' ').slice(2).join(' ')}` })),
          ...proxy.events.map((e) => ({ at: e.at, text: `proxy #${e.pair} ${e.event}${e.by ? ` by ${e.by}` : ''}` })),
          ...(await esmPage.evaluate(() => (window as any).chaos.record.states.map((s: any) => ({ at: s.at, text: `state ${s.current}${s.code ? `(${s.code})` : ''}` })))),
        ].sort((a, b) => a.at - b.at);
        const start = lines[0]?.at ?? 0;
        console.log(`[chaos] timeline:\n${lines.map((l) => `${String(l.at - start).padStart(6)} ${l.text}`).join('\n')}`);
      }
      if (counts.state !== 'connected') {
        // Stuck? Ask the broker directly, past the proxy, whether it still answers a CONNECT for this session.
        const probe = mqtt.connect(broker.wsUrl, { clientId: `chaos-page-${seed}`, clean: false, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...credentials });
        const started = Date.now();
        const answer = await new Promise<string>((resolve) => {
          probe.once('connect', (packet) => resolve(`CONNACK after ${Date.now() - started} ms (sessionPresent ${packet.sessionPresent})`));
          probe.once('error', (error) => resolve(`error ${error.message}`));
          setTimeout(() => resolve('no CONNACK within 5 s'), 5_000);
        });
        probe.end(true);
        console.log(`[chaos] client ended in ${counts.state}; the broker, asked directly with the same clientId: ${answer}`);
        testInfo.annotations.push({ type: 'chaos stuck client', description: `state ${counts.state}; direct CONNECT with the same clientId: ${answer}` });
      }
      testInfo.annotations.push(
        { type: 'chaos up (browser -> broker)', description: `sent ${COUNT}, unique ${report.up.unique}, duplicates ${report.up.duplicates}` },
        { type: 'chaos down (broker -> browser)', description: `sent ${COUNT}, unique ${report.down.unique}, duplicates ${report.down.duplicates}` },
        { type: 'chaos faults', description: `cuts ${proxy.stats.cuts}, stalls ${proxy.stats.stalls}, connections ${proxy.stats.connections}, bytes ${proxy.stats.bytes}, client connects ${counts.connects}` },
      );

      // The faults really happened, and the client really went through them.
      expect(proxy.stats.cuts + proxy.stats.stalls, replay).toBeGreaterThan(0);
      expect(counts.connects, replay).toBeGreaterThan(1);
      // Browser -> broker: every publish() settled 'ok', every message reached the broker's subscriber.
      expect(report.up.outcomes, replay).toEqual({ ok: COUNT });
      expect(report.up.missing, replay).toEqual([]);
      expect(report.up.unique, replay).toBe(COUNT);
      // Broker -> browser: every message arrived; a QoS 1 duplicate is a redelivery after a reconnect, never on the same connection.
      expect(downErrors, replay).toEqual([]);
      expect(report.down.missing, replay).toEqual([]);
      expect(report.down.unique, replay).toBe(COUNT);
      if (qos === 2) {
        // A QoS 2 duplicate is never allowed (a QoS 1 one is: MQTT 3.1.1 4.3.2 lets the receiver see a PUBLISH twice).
        expect(report.down.sameConnectionDuplicates, replay).toBe(0);
        // Exactly once.
        expect(report.up.duplicates, replay).toBe(0);
        expect(report.down.duplicates, replay).toBe(0);
      }
    } finally {
      await esmPage.evaluate(() => (window as any).chaos?.client.close()).catch(() => {});
      await endNode(sink?.client);
      await endNode(source);
      await proxy?.stop();
      await broker?.stop();
    }
  });
}
