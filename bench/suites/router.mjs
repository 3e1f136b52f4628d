// Case 6: dispatch one message against 10,000 live subscriptions: webmqtt's Router (the trie the
// shipped client uses, taken from a client instance), qlobber (what aedes uses), a linear scan.
import qlobber from 'qlobber';
import { createClient, matchTopic } from '../../packages/client/dist/index.mjs';
import { summary } from '../lib/stats.mjs';

function filters(count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const tenant = Math.floor(i / 100);
    if (i % 20 === 0) out.push(`tenant/${tenant}/#`); // 5 %: whole tenant
    else if (i % 50 === 5) out.push(`tenant/${tenant}/device/+/temperature`); // 2 %: every device of a tenant
    else if (i % 10 === 5) out.push(`tenant/${tenant}/device/+/alarm${i}`); // 8 %: single-level wildcards
    else out.push(`tenant/${tenant}/device/${i}/temperature`); // 85 %: exact topics
  }
  return out;
}

function opsPerSec(fn, ms) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

export async function router(ctx) {
  const { quick, log } = ctx;
  const count = 10_000;
  const list = filters(count);
  const topic = 'tenant/42/device/4242/temperature';
  // 2,000 distinct topics in turn: more than the Router remembers (1,024), so every match is computed.
  const topics = Array.from({ length: 2_000 }, (_, k) => {
    const i = (k * 7919) % count;
    return `tenant/${Math.floor(i / 100)}/device/${i}/temperature`;
  });
  const noop = () => {};

  const client = createClient({ url: 'ws://127.0.0.1:9/mqtt' });
  // The client's link (link/local-link.ts) holds the subscriptions; the Router is their plain `router` field.
  const ours = client.link?.subscriptions?.router;
  if (!ours?.add) throw new Error('cannot reach the client\'s Router (internal field renamed?)');
  const q = new qlobber.Qlobber({ separator: '/', wildcard_one: '+', wildcard_some: '#' });
  const tAddOurs = performance.now();
  for (const f of list) ours.add(f, noop);
  const addOursMs = performance.now() - tAddOurs;
  const tAddQ = performance.now();
  for (const f of list) q.add(f, noop);
  const addQMs = performance.now() - tAddQ;

  const routers = { webmqtt: ours, qlobber: q };
  // BENCH_ROUTER_VARIANTS=before=/tmp/router-before.mjs,...: other Router builds side by side (module exporting Router).
  for (const spec of (process.env.BENCH_ROUTER_VARIANTS ?? '').split(',').filter(Boolean)) {
    const [name, file] = spec.split('=');
    const r = new (await import(file)).Router();
    for (const f of list) r.add(f, noop);
    routers[`webmqtt@${name}`] = r;
  }
  const linear = (t) => {
    const found = [];
    for (let i = 0; i < list.length; i++) if (matchTopic(list[i], t)) found.push(noop);
    return found;
  };
  let k = 0;
  const candidates = {};
  for (const [name, r] of Object.entries(routers)) {
    candidates[name] = { same: () => r.match(topic), distinct: () => r.match(topics[k++ % topics.length]) };
  }
  candidates.linear = { same: () => linear(topic), distinct: () => linear(topics[k++ % topics.length]) };
  const expected = linear(topic).length;
  const expectedDistinct = topics.reduce((n, t) => n + linear(t).length, 0);
  const rows = [];
  for (const [name, c] of Object.entries(candidates)) {
    for (const kind of ['same', 'distinct']) {
      const fn = c[kind];
      const got = kind === 'same' ? fn().length : (k = 0, topics.reduce((n) => n + fn().length, 0));
      const want = kind === 'same' ? expected : expectedDistinct;
      if (got !== want) throw new Error(`${name} (${kind}) matched ${got} handlers, linear scan ${want}`);
      opsPerSec(fn, 100); // warm-up
      const samples = [];
      for (let i = 0; i < (quick ? 3 : 7); i++) samples.push(opsPerSec(fn, name === 'linear' ? 150 : 100));
      const row = { router: kind === 'same' ? name : `${name} (${topics.length} topics in turn)`, topics: kind === 'same' ? 'one topic' : `${topics.length} topics in turn`, subscriptions: count, matches: kind === 'same' ? got : got / topics.length, opsPerSec: summary(samples), addAllMs: name === 'webmqtt' ? addOursMs : name === 'qlobber' ? addQMs : 0 };
      rows.push(row);
      log(`  router ${name} (${row.topics}): ${Math.round(row.opsPerSec.median)} dispatches/s (${row.matches} matches)`);
    }
  }
  return rows;
}
