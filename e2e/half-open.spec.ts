import type { Page } from '@playwright/test';
import type { MqttWireProxy, WireLink } from './support/mqtt-wire-proxy';
import { test, expect, type RecordedState as Recorded } from './support/wire-fixtures';

// Browser signals against real sockets, through a proxy that reads the MQTT packets it forwards:
// - A tab that comes back to the foreground may hold a half-open socket (the network went away while it
//   slept). The SDK pings on `visible` (signal-reaction.ts: "send a PINGREQ, so a half-open socket is found
//   out within one keepalive"; connection.ts, pingSoon), so it must find the dead link and reconnect within one
//   keepalive of becoming visible, before MQTT.js's own keepalive gives up (1.5 keepalives after the last
//   PINGRESP or the CONNACK: it pings at one keepalive and waits half of one more).
// - `browserEvents: false` means `online`/`offline` change nothing: with the broker gone and a short backoff,
//   such a client goes on attempting while one with `browserEvents: true` goes `offline` and stops.

/** Tells the page it is hidden or visible the way the SDK reads it; returns the page's Date.now() at the event. */
function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<number> {
  return page.evaluate((state) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
    return Date.now();
  }, state);
}

const states = (page: Page, name: string): Promise<Recorded[]> => page.evaluate((name) => (window as any)[name].record.states, name);
const stateOf = (page: Page, name: string): Promise<string> => page.evaluate((name) => (window as any)[name].client.state, name);

const KEEPALIVE_S = 12;
/** For a loaded 2-core machine; smaller than the half keepalive between the bound and MQTT.js's own timeout. */
const SLACK_MS = 3_000;

test(`half-open link: the tab becomes visible, the SDK pings, gets no answer and reconnects within one keepalive (${KEEPALIVE_S} s), before MQTT.js's keepalive would`, async ({ esmPage, auth, wireProxy: proxy }) => {
  test.setTimeout(60_000);
  await esmPage.evaluate(async ({ url, auth, keepalive }) => {
    const w = window as any;
    w.subject = w.makeHarness({ url: `${url}/mqtt?client=half-open`, auth, protocolVersion: 4, keepalive, reconnect: { initialDelayMs: 100, maxDelayMs: 100, jitter: 'none' } });
    await w.subject.client.connect();
  }, { url: proxy.url, auth, keepalive: KEEPALIVE_S });
  const link = proxy.links[0] as WireLink;
  const connackAt = link.connack?.at as number;
  expect(connackAt).toBeGreaterThan(0);

  // The tab goes to the background, the network goes away under it (nothing passes either way, no socket
  // closes), the tab comes back.
  await setVisibility(esmPage, 'hidden');
  proxy.stall();
  const visibleAt = await setVisibility(esmPage, 'visible');

  // Waits for the loss however it comes (MQTT.js's keepalive included), so a failure says when it came.
  const mqttjsTimeoutAt = connackAt + 1.5 * KEEPALIVE_S * 1_000;
  // The recorded states, not the current one: with a 100 ms backoff the client may be connected again between two polls.
  const firstLoss = async (): Promise<Recorded | undefined> => (await states(esmPage, 'subject')).slice(2).find((s) => s.current !== 'connected');
  await expect.poll(firstLoss, { timeout: mqttjsTimeoutAt + SLACK_MS - Date.now() }).toBeDefined();
  const lost = (await firstLoss()) as Recorded;
  const pings = link.packets.filter((p) => p.direction === 'up' && p.type === 'pingreq');
  test.info().annotations.push({
    type: 'timeline (ms after the CONNACK)',
    description: JSON.stringify({ visible: visibleAt - connackAt, pingreqs: pings.map((p) => p.at - connackAt), lost: lost.at - connackAt, reason: lost.reasonMessage, mqttjsTimeout: mqttjsTimeoutAt - connackAt }),
  });
  // It pinged on becoming visible, not on its keepalive schedule (MQTT.js's first ping is one keepalive in);
  // the stalled proxy swallowed the PINGREQ.
  expect(pings.some((p) => p.at >= visibleAt && p.at < connackAt + KEEPALIVE_S * 1_000 && !p.forwarded), 'a PINGREQ sent on visible').toBe(true);
  expect(lost.at - visibleAt, 'ms from visible until the dead link was found').toBeLessThanOrEqual(KEEPALIVE_S * 1_000 + SLACK_MS);
  expect(lost.at, 'found before MQTT.js\'s own keepalive timeout').toBeLessThan(mqttjsTimeoutAt);

  // And it is back: a new connection through the proxy, CONNACK received. The dead one was given up by the
  // client (its WebSocket Close went into the stall; the TCP socket lingers while the browser waits for an answer).
  await expect.poll(() => stateOf(esmPage, 'subject')).toBe('connected');
  expect(proxy.links.length).toBe(2);
  expect(proxy.links[1]?.connack?.reasonCode).toBe(0);
  expect(link.wsCloses.filter((c) => c.direction === 'up').map((c) => c.forwarded)).toEqual([false]);
});

const attemptsOf = (proxy: MqttWireProxy, name: string): number => proxy.attempts.filter((a) => a.refused && a.path.endsWith(`client=${name}`)).length;
const connectingCount = async (page: Page, name: string): Promise<number> => (await states(page, name)).filter((s) => s.current === 'connecting').length;

// The network stays up and only the browser says offline, so what the subject does is seen on the wire: its
// attempts keep reaching the proxy. (Under context.setOffline(true) Chromium fails new WebSockets itself, so
// attempts no longer reach a proxy; e2e/browser-lifecycle.spec.ts covers that case, with a browserEvents: false
// client as its control.)
test('browserEvents: false ignores a dispatched offline (navigator.onLine false, network up): its attempts keep reaching the proxy every backoff; the browserEvents: true client goes offline and stops', async ({ esmPage, auth, wireProxy: proxy }) => {
  // Both in a reconnect loop against a broker that is gone, attempting every 100-200 ms.
  await esmPage.evaluate(async ({ url, auth, reconnect }) => {
    const w = window as any;
    w.control = w.makeHarness({ url: `${url}/mqtt?client=control`, auth, protocolVersion: 4, reconnect });
    w.subject = w.makeHarness({ url: `${url}/mqtt?client=subject`, auth, protocolVersion: 4, reconnect, browserEvents: false });
    await Promise.all([w.control.client.connect(), w.subject.client.connect()]);
  }, { url: proxy.url, auth, reconnect: { initialDelayMs: 100, maxDelayMs: 200, factor: 2, jitter: 'none' } });
  proxy.refuse();
  await expect.poll(() => [attemptsOf(proxy, 'control'), attemptsOf(proxy, 'subject')].every((n) => n >= 2)).toBe(true);

  await esmPage.evaluate(() => {
    Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => false });
    window.dispatchEvent(new Event('offline'));
  });
  await expect.poll(() => stateOf(esmPage, 'control')).toBe('offline');
  const control = { atProxy: attemptsOf(proxy, 'control'), connecting: await connectingCount(esmPage, 'control') };
  const subject = { atProxy: attemptsOf(proxy, 'subject'), connecting: await connectingCount(esmPage, 'subject') };
  // The observation window: three more rounds of the subject's backoff, each seen at the proxy. A control that
  // ignored `offline` would have attempted in it too (same policy, at most 200 ms apart).
  await expect.poll(() => attemptsOf(proxy, 'subject') - subject.atProxy, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
  expect(await connectingCount(esmPage, 'subject') - subject.connecting).toBeGreaterThanOrEqual(3);
  expect((await states(esmPage, 'subject')).map((s) => s.current)).not.toContain('offline');
  expect({ atProxy: attemptsOf(proxy, 'control'), connecting: await connectingCount(esmPage, 'control'), state: await stateOf(esmPage, 'control') }).toEqual({ ...control, state: 'offline' });
});
