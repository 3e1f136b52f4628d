// Turns a results object into Markdown tables (printed, and written into BENCHMARKS.md).
import { fmt, fmtSpread, ratio } from './stats.mjs';

const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const x = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
const kb = (b) => (b / 1024).toFixed(1);

const median0 = (r) => r?.msgPerSec?.median;
const find = (tp, broker, qos, client) => tp.find((r) => r.broker === broker && r.qos === qos && r.client === client);
/** Throughput rows: the headline ones (brokers at their defaults). Older results have no `headline`: all rows. */
const headlineRows = (tp) => tp.filter((r) => r.headline !== false);

export function targets(results) {
  const out = [];
  const tp = headlineRows(results.throughput ?? []);
  for (const broker of [...new Set(tp.map((r) => r.broker))]) {
    for (const [qos, goal] of [[0, 1.2], [1, 1.5]]) {
      const base = find(tp, broker, qos, 'mqtt');
      for (const client of ['webmqtt', 'webmqtt-tuned'].filter((c) => tp.some((r) => r.client === c))) {
        const ours = find(tp, broker, qos, client);
        if (!ours) continue;
        const got = ratio(median0(ours), median0(base));
        const why = base && !Number.isFinite(median0(base)) ? ` (MQTT.js defaults: no complete run, ${base.incomplete?.join(', ') || base.error || 'none'})` : '';
        out.push({ target: `throughput ${broker} QoS ${qos}, ${client} ≥ ${goal}× MQTT.js defaults`, value: `${x(got)}${why}`, met: got >= goal });
        if (qos === 1) {
          const ceiling = find(tp, broker, 1, 'raw-window');
          if (ceiling) {
            const c = ratio(median0(ours), median0(ceiling));
            out.push({ target: `throughput ${broker} QoS 1, ${client} ≥ 0.9× the window-honouring raw client (1 PUBLISH/frame)`, value: x(c), met: c >= 0.9 });
          }
        } else {
          const runs = ours.msgPerSec.runs.filter(Number.isFinite);
          const slow = ratio(Math.min(...runs), median0(ours));
          if (runs.length > 1) out.push({ target: `throughput ${broker} QoS 0, ${client}: slowest run ≥ 0.8× its median`, value: x(slow), met: slow >= 0.8 });
          const batch = find(tp, broker, 0, 'raw-batch');
          if (batch) {
            const b = ratio(median0(ours), median0(batch));
            out.push({ target: `throughput ${broker} QoS 0, ${client}: median ≥ 0.9× the 32-per-frame raw client`, value: x(b), met: b >= 0.9 });
          }
        }
      }
    }
  }
  const herd = results.herd ?? [];
  const m = herd.find((r) => r.client === 'mqtt');
  for (const w of herd.filter((r) => r.client !== 'mqtt')) {
    if (!m) break;
    if (w.attemptPeakPer100ms !== undefined) out.push({ target: `herd, ${w.label}: peak connection attempts / 100 ms ≤ 1/10 of MQTT.js`, value: `${w.attemptPeakPer100ms} vs ${m.attemptPeakPer100ms} (${(w.attemptPeakPer100ms / m.attemptPeakPer100ms).toFixed(2)})`, met: w.attemptPeakPer100ms * 10 <= m.attemptPeakPer100ms });
    out.push({ target: `herd, ${w.label}: peak successful connects / 100 ms after resume ≤ 1/10 of MQTT.js`, value: `${w.peakPer100ms} vs ${m.peakPer100ms} (${(w.peakPer100ms / m.peakPer100ms).toFixed(2)})`, met: w.peakPer100ms * 10 <= m.peakPer100ms });
  }
  out.push(...tabsTargets(results.tabs));
  if (results.size) {
    out.push({ target: 'SDK own code ≤ 5 KB gz (all features)', value: `${kb(results.size.apps[1].gzip)} KB (full app), ${kb(results.size.own.gzip)} KB (whole index.mjs)`, met: results.size.apps[1].gzip <= 5 * 1024 });
    out.push({ target: 'minimal app SDK code ≤ 3 KB gz', value: `${kb(results.size.apps[0].gzip)} KB`, met: results.size.apps[0].gzip <= 3 * 1024 });
  }
  return out;
}

export function markdown(results) {
  const parts = [];
  const env = results.env;
  parts.push(`Run ${env.date} at commit ${env.commit}${results.quick ? ' — **BENCH_QUICK smoke run: small sizes, 1 run; do not quote**' : ''}; ${results.elapsedS} s in all.`);
  parts.push(table(['machine', 'value'], [
    ['CPU', `${env.cpus} × ${env.cpuModel}`], ['load average (1/5/15 min) at start → end', `${env.loadAverageAtStart?.join(' / ')} → ${env.loadAverageAtEnd?.join(' / ')}`], ['memory', `${env.memoryGiB} GiB`], ['Node.js', env.node], ['Chromium', env.chromium],
    ['Mosquitto', env.mosquitto], ['MQTT.js', env.mqtt], ['Paho JS', env.paho], ['aedes (dev broker)', env.aedes], ['qlobber', env.qlobber], ['webmqtt', env.webmqtt],
  ]));

  parts.push('### Targets');
  parts.push(table(['target', 'measured', 'met?'], targets(results).map((t) => [t.target, t.value, t.met ? 'yes' : '**no**'])));

  if (results.throughput) parts.push(...throughputTables(results));
  if (results.driverCheck) {
    parts.push('#### Driver check: does Playwright slow the page down?');
    parts.push(table(['driver', 'case', 'msg/s (median)', 'spread'], results.driverCheck.map((r) => [r.driver === 'process' ? 'chromium via child_process (used above)' : 'playwright-core launch + page.goto, no listeners', `MQTT.js QoS 0, ${r.broker}`, fmt(r.msgPerSec.median), fmtSpread(r.msgPerSec)])));
  }
  if (results.latency) {
    parts.push('### 2. Latency (publish → own subscription, 100 msg/s, 64 B)');
    parts.push(table(['broker', 'QoS', 'client', 'p50 ms (median of runs)', 'p50 spread', 'p99 ms (median of runs)', 'p99 spread', 'pooled p50 / p99', 'lost'],
      results.latency.map((r) => [r.broker, `QoS ${r.qos}`, r.client, fmt(r.p50.median, 2), fmtSpread(r.p50, 2), fmt(r.p99.median, 2), fmtSpread(r.p99, 2), `${fmt(r.pooledP50, 2)} / ${fmt(r.pooledP99, 2)}`, r.lost])));
  }
  if (results.recovery) {
    parts.push('### 3. Reconnect');
    parts.push('Time from the dev broker listening again (after a 0.5 s outage) to the first message delivered to each of 20 Node clients, which publish one QoS 1 message on every connect; also whether the QoS 1 message published *during* the outage arrived.');
    parts.push(table(['client', 'median ms', 'spread', 'lost', 'queued-while-offline delivered'], results.recovery.map((r) => [r.label, fmt(r.firstMessageMs.median), fmtSpread(r.firstMessageMs), r.lost, `${r.offlineQueuedDelivered}/${r.clients}`])));
  }
  if (results.online) {
    const o = results.online;
    parts.push(`Browser \`online\` event → connection attempt (webmqtt waiting a 60 s backoff, ${o.toAttemptMs.n} reps): median **${fmt(o.toAttemptMs.median, 2)} ms** (${fmtSpread(o.toAttemptMs, 2)}); → CONNACK ${fmt(o.toConnectedMs.median, 2)} ms (${fmtSpread(o.toConnectedMs, 2)}). MQTT.js and Paho do not listen to \`online\`: their next attempt comes when their timer fires (MQTT.js: up to reconnectPeriod, 1 s by default).`);
  }
  if (results.herd) {
    parts.push(`#### Herd: ${results.herd[0]?.clients} Node clients, broker paused for 2 s`);
    parts.push('Attempts count every connection attempt from the moment the broker went away, refused ones included (the load a restarting broker and its load balancer see). Successful connects are counted after the broker is back; one broker process accepts only so many per 100 ms, which caps the fixed-period client\'s peak.');
    parts.push(table(['client', 'attempts', 'peak attempts / 100 ms', 'at (ms after the broker went away)', 'peak connects / 100 ms', 'at (ms after resume)', 'all back after ms', 'reconnected', 'connects, first 2 s, per 100 ms'], results.herd.map((r) => [r.label, r.attempts ?? '–', r.attemptPeakPer100ms ?? '–', r.attemptPeakStartMs ?? '–', r.peakPer100ms, r.peakBucketStartMs, fmt(r.allBackMs), `${r.reconnected}/${r.clients}`, r.buckets.slice(0, 20).join(' ')])));
  }
  if (results.memory) {
    const reconnects = Array.isArray(results.memory) ? results.memory : results.memory.reconnects ?? [];
    parts.push('### 4. Memory: forced reconnects of one client (Node, --expose-gc, after GC)');
    parts.push(table(['client', 'reconnects', 'time ms', 'heap delta KiB', 'MQTT.js listeners before → after', 'socket listeners before → after', 'SDK listeners before → after', 'timers before → after', 'works after'],
      reconnects.map((r) => r.error ? [r.kind, 'error', r.error, '', '', '', '', '', ''] : [r.kind, r.reconnects, r.elapsedMs, ((r.after.heapUsed - r.before.heapUsed) / 1024).toFixed(0), `${r.before.mqttListeners} → ${r.after.mqttListeners}`, `${r.before.streamListeners} → ${r.after.streamListeners}`, r.before.sdkListeners === undefined ? '–' : `${r.before.sdkListeners} → ${r.after.sdkListeners}`, `${r.before.timers} → ${r.after.timers}`, r.works ? 'yes' : 'no'])));
    if (results.memory.heap) parts.push(...heapTable(results.memory.heap));
  }
  if (results.size) {
    const s = results.size;
    parts.push('### 5. Size (terser-minified where noted; gzip -9, brotli q11)');
    parts.push(table(['what', 'raw B', 'gzip B', 'brotli B'], [...s.dist, s.own, ...s.apps, ...s.others].map((r) => [r.name, fmt(r.raw), fmt(r.gzip), fmt(r.brotli)])));
    if (s.modules) {
      parts.push('SDK modules, each transpiled and minified alone (gzip B, largest first): ' + s.modules.map((m) => `${m.name} ${m.gzip}`).join(', ') + '.');
    }
    if (s.shipped?.builds) parts.push(...shippedTable(s));
    else if (s.shipped?.error) parts.push(`Minimal Vite app from the packed tarball: **error** ${s.shipped.error}`);
  }
  if (results.pageload) parts.push(...pageLoadTable(results.pageload));
  if (results.router) {
    parts.push('### 6. Router: one message against 10,000 live subscriptions');
    parts.push(table(['router', 'dispatches/s (median)', 'spread', 'vs qlobber', 'matched handlers', 'add 10,000 ms'], results.router.map((r) => [r.router, fmt(r.opsPerSec.median), fmtSpread(r.opsPerSec), x(ratio(r.opsPerSec.median, results.router.find((q) => q.router.startsWith('qlobber') && q.topics === r.topics)?.opsPerSec.median)), r.matches, fmt(r.addAllMs, 1)])));
  }
  if (results.react) parts.push(...reactTable(results.react));
  if (results.tabs) parts.push(...tabsTables(results.tabs));
  if (results.errors?.length) parts.push(`Errors: ${results.errors.map((e) => `${e.suite}: ${e.error}`).join('; ')}`);
  return parts.join('\n\n');
}

/** One value as it is; a baseline and a current value as "a → b (±x %)". */
function beforeAfter(values, digits = 0) {
  if (values.length < 2) return fmt(values[0], digits);
  const [a, b] = values;
  const pct = Number.isFinite(a) && Number.isFinite(b) && a ? ((b - a) / a) * 100 : NaN;
  const change = Number.isNaN(pct) ? '' : pct === 0 ? ' (±0 %)' : ` (${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(Math.abs(pct) < 10 ? 1 : 0)} %)`;
  return `${fmt(a, digits)} → ${fmt(b, digits)}${change}`;
}

/** Size: what the minimal Vite app (from the packed tarball) loads, per package, one column value per build. */
function shippedTable(s) {
  const { builds, mqttOnly } = s.shipped;
  const names = [...new Set(builds.flatMap((b) => b.packages.map((p) => p.name)))];
  const pkg = (b, name) => b.packages.find((p) => p.name === name);
  const cells = (pick) => ['raw', 'gzip', 'brotli'].map((k) => beforeAfter(builds.map((b) => pick(b)?.[k])));
  const same = (texts) => [...new Set(texts)].join(' → ');
  const rows = names.map((n) => [n === 'webmqtt' ? 'webmqtt (the SDK\'s own code)' : n, same(builds.map((b) => pkg(b, n)?.sources.join(', ') ?? '–')), ...cells((b) => pkg(b, n))]);
  rows.push(['**whole app as served** (each loaded JS file compressed alone)', same(builds.map((b) => `${b.loaded.files} files`)), ...cells((b) => b.loaded)]);
  rows.push(['all JS Vite emitted (with the request/messages chunks this app never loads)', same(builds.map((b) => `${b.emitted.files} files`)), ...cells((b) => b.emitted)]);
  const single = (r) => [fmt(r.raw), fmt(r.gzip), fmt(r.brotli)];
  rows.push(['for comparison: MQTT.js alone, the same app built the same way', `${mqttOnly.loaded.files} file(s)`, ...single(mqttOnly.loaded)]);
  for (const r of s.others) rows.push([`for comparison: ${r.name}`, 'prebuilt file', ...single(r)]);
  const heads = builds.length > 1 ? `, before → after: ${builds.map((b) => b.tree).join(' → ')}` : ` (${builds[0].tree})`;
  return [
    `#### What a minimal browser app ships, per package${heads}`,
    `The minimal app (connect/subscribe/publish) built by Vite's JS API with no config from the packed tarball (\`npm pack\`, installed with npm outside the monorepo: ${same(builds.map((b) => b.installedWith))}): the JS it loads (the entry, its static imports, and what connect() imports), minified by Vite. The package rows come from a second build of the same app that puts each package (and the bundler's helpers) into chunks of its own; being separate chunks that import each other, they add up to a little more than the whole app (${builds.map((b) => fmt(b.packagesSum.gzip)).join(' → ')} B gz summed).`,
    table(['package', 'ships as', 'min B', 'gzip -9 B', 'brotli B'], rows),
  ];
}

/** Page load to `connected` under Slow 3G, per app; the current build against the baseline when there is one. */
function pageLoadTable(p) {
  const base = p.apps.find((a) => a.key === 'webmqtt@baseline');
  const kbit = (bps) => fmt((bps * 8) / 1000);
  const count = (s) => (s.min === s.max ? fmt(s.median) : `${fmt(s.median)} (${fmtSpread(s)})`);
  const late = (a) => (a.waterfallRuns ? `**yes**, ${a.waterfallRuns}/${a.ok} runs: ${a.lateJs.map((l) => `${l.file.split('/').pop()} (${fmt(l.bytes)} B, starts at ${fmt(l.startTime)} ms)`).join(', ')}` : `no (0/${a.ok} runs)`);
  const vsBase = (a) => {
    if (!base || a.key !== 'webmqtt') return '';
    const d = a.navToConnectedMs.median - base.navToConnectedMs.median;
    return `${d >= 0 ? '+' : '−'}${fmt(Math.abs(d))} ms (${x(ratio(a.navToConnectedMs.median, base.navToConnectedMs.median))})`;
  };
  const rows = p.apps.map((a) => [a.label, fmt(a.navToConnectedMs.median), fmtSpread(a.navToConnectedMs), fmt(a.connectCalledMs.median), fmt(a.connectToConnectedMs.median), fmt(a.navToPublishedMs.median), count(a.jsRequests), count(a.jsBytes), count(a.allBytes), late(a), ...(base ? [vsBase(a)] : [])]);
  const errors = p.apps.filter((a) => a.errors.length).map((a) => `${a.key}: ${a.errors.join('; ')}`);
  return [
    '### 7. Page load to `connected` on a slow network',
    `The minimal app (connect, subscribe, QoS 1 publish) built by Vite from the packed tarball (as in the size table), and MQTT.js alone in the same kind of app, against ${p.broker}. Chromium driven by playwright-core; network emulated over CDP (\`Network.emulateNetworkConditions\`) with ${p.profile.name}: latency ${fmt(p.profile.latency)} ms, download ${fmt(p.profile.downloadThroughput)} B/s (${kbit(p.profile.downloadThroughput)} kbit/s), upload ${fmt(p.profile.uploadThroughput)} B/s (${kbit(p.profile.uploadThroughput)} kbit/s). ${p.served}. Times are ms from navigation start (performance.now() in the page): to connect() being called, to the client's \`connected\` state event (MQTT.js: its \`connect\` event), to the QoS 1 publish being acknowledged. Median of ${p.rounds} runs${p.rounds < p.runsPlanned ? ` (${p.runsPlanned} planned, time budget)` : ''}, spread min–max, apps interleaved. JS bytes: what the JS responses transferred (headers + compressed body, CDP encodedDataLength); all HTTP bytes add the HTML (the WebSocket is not counted). "JS requested after connect()": a JS request that started only once connect() had run, i.e. the load waterfall.`,
    table(['app', 'navigation → connected ms', 'spread', 'connect() called at', 'connect() → connected', 'navigation → publish acked', 'JS requests', 'JS bytes transferred', 'all HTTP bytes', 'JS requested after connect()', ...(base ? ['connected vs baseline'] : [])], rows),
    ...(errors.length ? [`Page-load errors: ${errors.join(' | ')}`] : []),
  ];
}

/** bench/suites/react-list.mjs: a React list fed a steady stream, @webmqtt/react's hooks beside the usual naive hook. */
function reactTable(r) {
  const runs = (m) => m.runs.map((v) => fmt(v)).join(' / ');
  return [
    `### 7. React: a list fed ${fmt(r.rate)} msg/s for ${r.seconds} s (${r.broker})`,
    `${r.page}. The list shows the last ${r.keep} messages; "dropped" counts messages the list never rendered, of those the client received. Median of ${r.variants[0]?.dropped.n ?? r.runsPlanned} runs; each run in parentheses.`,
    table(
      ['hook', 'renders/s (median; runs)', 'frames/s', 'dropped (median; runs)', 'received / published', 'message age p50 / p99 ms'],
      r.variants.map((v) => [v.label, `${fmt(v.rendersPerSec.median, 1)} (${runs(v.rendersPerSec)})`, fmt(v.framesPerSec.median, 1), `${fmt(v.dropped.median)} (${runs(v.dropped)})`, `${fmt(v.received.median)} / ${fmt(v.published.median)}`, `${fmt(v.ageP50Ms.median)} / ${fmt(v.ageP99Ms.median)}`]),
    ),
  ];
}

/** bench/suites/tabs.mjs (#14): a follower's publishes ≥ 0.5× the leader's, failover ≤ 1 s median, 1 connection for N tabs. */
function tabsTargets(t) {
  if (!t) return [];
  const out = [];
  for (const r of t.throughput.filter((r) => r.role === 'follower')) {
    const leader = t.throughput.find((l) => l.broker === r.broker && l.qos === r.qos && l.role === 'leader');
    const got = ratio(r.msgPerSec.median, leader?.msgPerSec.median);
    out.push({ target: `tabs ${r.broker} QoS ${r.qos}: publishes from a follower tab ≥ 0.5× from the leader tab (msg/s)`, value: x(got), met: got >= 0.5 });
  }
  for (const f of t.failover) out.push({ target: `tabs ${f.broker}: failover (leader tab closed → another tab leading and connected) median ≤ 1 s`, value: `${fmt(f.toConnectedMs.median)} ms (p95 ${fmt(f.toConnectedMs.p95)} ms, ${f.handovers} handovers)`, met: f.toConnectedMs.median <= 1_000 && f.handovers === f.planned });
  for (const c of t.connections?.rows ?? []) {
    const want = c.shared ? 1 : c.tabs;
    out.push({ target: `tabs: ${c.tabs} tabs ${c.shared ? 'sharing (shareAcrossTabs)' : 'not sharing'} → ${want} connection${want === 1 ? '' : 's'} at the broker`, value: String(c.brokerClientsAfter500ms), met: c.brokerClients === want && c.brokerClientsAfter500ms === want });
  }
  return out;
}

/** bench/suites/tabs.mjs (#14): publishing from a follower / the leader / a solo tab, failover, connections at the broker. */
function tabsTables(t) {
  const leaderOf = (r) => t.throughput.find((l) => l.broker === r.broker && l.qos === r.qos && l.role === 'leader');
  const soloOf = (r) => t.throughput.find((l) => l.broker === r.broker && l.qos === r.qos && l.role === 'solo');
  const note = (r) => [r.error ? `error: ${r.error.slice(0, 80)}` : '', r.incomplete.length ? `incomplete: ${r.incomplete.join(', ')}` : '', r.notVisible ? `${r.notVisible} run(s) not in front` : '', r.protocolVersion ? `MQTT ${r.protocolVersion === 4 ? '3.1.1' : r.protocolVersion}` : ''].filter(Boolean).join('; ');
  const parts = [
    '### 8. Tabs sharing one connection (`shareAcrossTabs`, #14)',
    `${t.page}. Tabs of one Chromium profile, as a browser holds them: the tab in front is \`visible\`, the others \`hidden\` and throttled as background tabs are. Brokers started by the suite: ${t.brokers.map((b) => `**${b.name}**: ${b.conf}`).join(' — ')}.`,
  ];
  if (t.throughput.length) {
    parts.push(`**Publishing.** The same burst of publish() calls (64 B; QoS 0: ${fmt(t.sizes[0])}, QoS 1: ${fmt(t.sizes[1])} messages) from a follower tab (relayed over BroadcastChannel by the leader tab), from the leader tab, and from a solo tab (no sharing). The publishing tab is brought to the front first, so for the follower the leader is a background tab. msg/s: from the first publish() call to the last message arriving at a Node MQTT.js subscriber of the broker (QoS 0 subscription), both on the machine's clock (Date.now()); median of ${t.runs} runs (spread min–max; an incomplete run counts as no value), the cases interleaved round by round after one unreported warm-up round of a quarter of the messages. "settled in the tab": publish() calls per second to the last publish() promise settling in the publishing tab (QoS 1: the PUBACK relayed back). "WS msgs": WebSocket messages the tab holding the connection sent for the burst.`);
    parts.push(table(['broker', 'QoS', 'publishing tab', 'msg/s at the subscriber (median)', 'spread', 'vs leader tab', 'vs solo tab', 'settled in the tab /s (median)', 'WS msgs (median)', 'note'],
      t.throughput.map((r) => [r.broker, `QoS ${r.qos}`, r.label, fmt(r.msgPerSec.median), fmtSpread(r.msgPerSec), x(ratio(r.msgPerSec.median, leaderOf(r)?.msgPerSec.median)), x(ratio(r.msgPerSec.median, soloOf(r)?.msgPerSec.median)), fmt(r.settledPerSec.median), fmt(r.wsFrames?.median), note(r)])));
    parts.push(`Per-run msg/s at the subscriber: ${t.throughput.map((r) => `${r.broker} Q${r.qos} ${r.role} [${r.perRun.map((p) => fmt(p.msgPerSec)).join(', ')}]`).join('; ')}.`);
  }
  if (t.failover.length) {
    parts.push(`**Failover.** ${t.failover[0].tabs} tabs of one group (one clientId); the leader's tab is closed (DevTools /json/close) and a new tab opened after each handover. Times in Node from the close call to the reports (POSTed from the tab's listeners, timed on arrival) of a remaining tab: its \`role\` event \`leader\` (it holds the Web Lock) and its first \`connected\` state event as leader (the group's connection is up again). "page clock" is the same moment by Date.now() in the tab, a cross-check.`);
    parts.push(table(['broker', 'handovers', 'to leader role ms (median / p95)', 'to connected ms (median)', 'p95', 'spread', 'page clock median', 'taken over by the tab in front', 'connections at the broker after', 'note'],
      t.failover.map((f) => [f.broker, `${f.handovers}/${f.planned}`, `${fmt(f.toLeaderMs.median)} / ${fmt(f.toLeaderMs.p95)}`, fmt(f.toConnectedMs.median), fmt(f.toConnectedMs.p95), fmtSpread(f.toConnectedMs), fmt(f.pageToConnectedMs.median), `${f.perHandover.filter((h) => h.wasFront).length}/${f.handovers}`, f.brokerClientsAfter ? f.brokerClientsAfter.join(', ') : 'not counted', [f.splitBrain ? `${f.splitBrain} handover(s) with ≠ 1 leader` : '', f.error ? `error: ${f.error.slice(0, 120)}` : ''].filter(Boolean).join('; ')])));
  }
  if (t.connections) {
    parts.push(`**Connections at the broker** (${t.connections.broker}: aedes' own count of connected clients, read once every tab reported connected and again 500 ms later).`);
    parts.push(table(['tabs', 'shareAcrossTabs', 'tabs connected', 'connections at the broker (then / 500 ms later)', 'roles'],
      t.connections.rows.map((c) => [c.tabs, c.shared ? 'true (one clientId)' : 'off (a clientId each)', c.connectedTabs, `${c.brokerClients} / ${c.brokerClientsAfter500ms}`, Object.entries(c.roles).map(([role, n]) => `${n} ${role}`).join(', ')])));
  }
  if (t.errors.length) parts.push(`Tabs errors: ${t.errors.join(' | ')}`);
  return parts;
}

/** Throughput: headline rows (brokers at their defaults), the labelled extras, broker configs, per-run values, profiles. */
function throughputTables(results) {
  const tp = results.throughput;
  const parts = [];
  const configs = [...new Map(tp.filter((r) => r.brokerConf).map((r) => [r.broker, r.brokerConf])).entries()];
  const row = (r) => {
    const base = find(tp, r.broker, r.qos, 'mqtt');
    const w1 = r.qos === 1 ? find(tp, r.broker, 1, 'raw-window') : undefined;
    const wb = r.qos === 1 ? find(tp, r.broker, 1, 'raw-window-batch') : undefined;
    const info = r.perRun?.find((p) => p.info)?.info;
    const infoText = info ? [info.version ? `MQTT ${info.version === 4 ? '3.1.1' : info.version}` : '', info.window !== undefined && info.window !== 'none' ? `window ${info.window}, most in flight ${Math.max(...r.perRun.map((p) => p.info?.maxInFlight ?? 0))}` : ''].filter(Boolean).join(', ') : '';
    const note = [r.error ? `error: ${r.error.slice(0, 80)}` : '', r.incomplete?.length ? `incomplete: ${r.incomplete.join(', ')}` : '', r.skipped ?? '', infoText].filter(Boolean).join('; ');
    return [r.broker, `QoS ${r.qos}`, r.label, fmt(r.msgPerSec.median), fmtSpread(r.msgPerSec), x(ratio(r.msgPerSec.median, base?.msgPerSec.median)),
      r.qos === 1 && (w1 || wb) ? `${x(ratio(r.msgPerSec.median, w1?.msgPerSec.median))} / ${x(ratio(r.msgPerSec.median, wb?.msgPerSec.median))}` : '–', `${kb(r.maxFrameBytes)} KB`, note];
  };
  const head = ['broker', 'QoS', 'client', 'msg/s (median)', 'spread', 'vs MQTT.js defaults', 'vs window ceiling (1/frame / batched)', 'max WS msg', 'note'];
  parts.push('### 1. Throughput (browser → broker → same browser, 64 B payloads)');
  parts.push(`Messages per second, median of ${results.runs} runs (spread min–max; an incomplete run counts as no value), ratio of medians vs MQTT.js defaults on the same broker and QoS, and for QoS 1 vs the raw clients that keep within the broker's window (MQTT 5: the Receive Maximum of the CONNACK; 3.1.1: webmqtt's own window of 100), the physical limit of a client that honours it. ${results.throughputSizes}. A run ends when all arrived, after 30 s, or when nothing arrived for 3 s (a broker that dropped messages); a case is not run again after two incomplete runs (the warm-up counts). Chromium started by child_process, no DevTools client attached. webmqtt with its defaults (protocolVersion 'auto': MQTT 5 on Mosquitto, 3.1.1 on the dev broker), MQTT.js with its defaults (3.1.1). "max WS msg" is the largest WebSocket message the page sent.`);
  if (tp.some((r) => r.headline !== undefined)) parts.push('**Headline: brokers at their defaults.**');
  parts.push(table(head, headlineRows(tp).map(row)));
  const extra = tp.filter((r) => r.headline === false);
  if (extra.length) {
    parts.push('**Extra rows, not the headline: brokers configured away from their defaults** (see the broker configs below).');
    parts.push(table(head, extra.map(row)));
  }
  if (configs.length) parts.push(`Broker configs: ${configs.map(([name, conf]) => `**${name}**: ${conf}`).join(' — ')}.`);
  else if (results.mosquittoConf) parts.push(`Mosquitto config: ${results.mosquittoConf}.`);
  const q0 = tp.filter((r) => r.qos === 0 && r.perRun?.length);
  if (q0.length) {
    parts.push('#### QoS 0 per run (run order): msg/s · WebSocket messages sent / received · ms to the last WebSocket send / to half received / to all received');
    const n = Math.max(...q0.map((r) => r.perRun.length));
    parts.push(table(['broker', 'client', ...Array.from({ length: n }, (_, i) => `run ${i + 1}`), 'slowest / median'], q0.map((r) => [r.broker, r.client, ...Array.from({ length: n }, (_, i) => {
      const p = r.perRun[i];
      return p ? `${fmt(p.msgPerSec)}${p.complete ? '' : ' (incomplete)'} · ${p.frames} / ${p.inFrames ?? '?'} · ${[p.lastSendMs, p.halfRecvMs, p.ms].map((v) => fmt(v)).join(' / ')} ms` : '';
    }), x(ratio(r.msgPerSec.min, r.msgPerSec.median))])));
  }
  parts.push(`Per-run values: ${tp.map((r) => `${r.broker} Q${r.qos} ${r.client} [${r.msgPerSec.runs.map((v) => fmt(v)).join(', ')}]`).join('; ')}.`);
  const profiled = tp.flatMap((r) => r.profiles ?? []);
  if (profiled.length) {
    parts.push('#### CPU profiles (V8 sampling profiler over CDP, Profiler domain only, attached for the job; extra runs after the rounds above, not counted in them)');
    for (const p of profiled) {
      parts.push(`**${p.broker}, QoS ${p.qos}, ${p.client}, ${fmt(p.n)} messages**: profiled runs ${p.profiledRuns.map((r) => `${fmt(r.msgPerSec)} msg/s (WS msgs ${r.frames} sent / ${r.inFrames ?? '?'} received)`).join(', ')}; median ${fmt(p.medianMsgPerSec)}.`);
      parts.push(table(['run kept', 'msg/s', 'WS msgs sent / received', 'ms to last send / half / all received', 'sampled ms', 'by script (self)', 'top self time'], p.kept.map((k) => [k.which, fmt(k.msgPerSec), `${k.frames} / ${k.inFrames ?? '?'}`, [k.lastSendMs, k.halfRecvMs, k.ms].map((v) => fmt(v)).join(' / '), fmt(k.summary.sampledMs), k.summary.byFile.map((f) => `${f.name} ${f.pct} %`).join(', '), k.summary.top.slice(0, 8).map((t) => `${t.name} ${fmt(t.ms)} ms (${t.pct} %)`).join('; ')])));
    }
  }
  return parts;
}

/** Memory: heap per queued publish and per live subscription. */
function heapTable(rows) {
  const what = { queue0: 'QoS 0 publishes queued while not connected', queue1: 'QoS 1 publishes queued while not connected', subs: 'live subscriptions (distinct topics)' };
  return [
    '#### Heap per 10,000 queued publishes and per 1,000 live subscriptions (Node, --expose-gc, after GC)',
    'Each value is a fresh process: heap after − heap before, the 64 B payloads allocated before the baseline. Queued: the broker unreachable (a closed port), the client waiting to retry; webmqtt holds them in its offline queue (maxMessages raised to 10,000, maxBytes to 64 MiB; defaults 1,000 / 1 MiB), MQTT.js in its `queue` (QoS 0, queueQoSZero on by default) or its outgoing store (QoS 1). Subscriptions: connected to the dev broker; webmqtt with a handler per subscription, MQTT.js with its one `message` listener (it has no per-topic handler). Median of the processes; each in parentheses.',
    table(['what', 'client', 'count', 'heap KiB (median; runs)', 'per item B', 'held after'], rows.map((r) => (!r.runs?.length ? [what[r.what] ?? '', r.kind ?? '', fmt(r.count), `error: ${r.error}`, '', ''] : [what[r.what], r.kind, fmt(r.count), `${fmt(r.heapDeltaBytes / 1024)} (${r.runs.map((v) => fmt(v / 1024)).join(' / ')})`, fmt(r.heapDeltaBytes / r.count), fmt(r.held)]))),
  ];
}
