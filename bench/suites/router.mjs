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
  const noop = () => {};

  const client = createClient({ url: 'ws://127.0.0.1:9/mqtt' });
  const ours = client.subscriptions?.router;
  if (!ours?.add) throw new Error('cannot reach the client\'s Router (internal field renamed?)');
  const q = new qlobber.Qlobber({ separator: '/', wildcard_one: '+', wildcard_some: '#' });
  const tAddOurs = performance.now();
  for (const f of list) ours.add(f, noop);
  const addOursMs = performance.now() - tAddOurs;
  const tAddQ = performance.now();
  for (const f of list) q.add(f, noop);
  const addQMs = performance.now() - tAddQ;

  const candidates = {
    webmqtt: () => ours.match(topic),
    qlobber: () => q.match(topic),
    linear: () => {
      const found = [];
      for (let i = 0; i < list.length; i++) if (matchTopic(list[i], topic)) found.push(noop);
      return found;
    },
  };
  const expected = candidates.linear().length;
  const rows = [];
  for (const [name, fn] of Object.entries(candidates)) {
    const got = fn().length;
    if (got !== expected) throw new Error(`${name} matched ${got} handlers, linear scan ${expected}`);
    opsPerSec(fn, 100); // warm-up
    const samples = [];
    for (let i = 0; i < (quick ? 3 : 7); i++) samples.push(opsPerSec(fn, name === 'linear' ? 150 : 100));
    const row = { router: name, subscriptions: count, matches: got, opsPerSec: summary(samples), addAllMs: name === 'webmqtt' ? addOursMs : name === 'qlobber' ? addQMs : 0 };
    rows.push(row);
    log(`  router ${name}: ${Math.round(row.opsPerSec.median)} dispatches/s (${got} matches)`);
  }
  return rows;
}
