// @vitest-environment happy-dom
import { useEffect, useState } from 'react';
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '@webmqtt/client';
import { MqttProvider, useSubscription, type SubscriptionResult, type UseSubscriptionOptions } from '../src/index';
import { CATCH_UP_FRAMES as N } from '../src/catch-up';
import { FakeClient } from './support/fake-client';
import { commitCounter, manualFrames, Providers, renderApp, settle } from './support/render';

afterEach(cleanup);

/** Renders the hook's result into the DOM and hands the latest one to the test. */
function Probe(props: { filter: string | null; options?: UseSubscriptionOptions; onResult?: (r: SubscriptionResult) => void; id?: string }) {
  const result = useSubscription(props.filter, props.options);
  props.onResult?.(result);
  return (
    <p data-testid={props.id ?? 'probe'}>
      {result.error ? `error:${result.error.code}` : `${result.subscribed ? 'subscribed' : 'waiting'}|${result.messages.map((m) => m.text()).join(',')}`}
    </p>
  );
}

const text = (id = 'probe') => screen.getByTestId(id).textContent;

describe('useSubscription: the subscription follows the component', () => {
  it('StrictMode (mount, unmount, mount) leaves exactly one SUBSCRIBE and one handler, and each message is shown once', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="sensors/+/temperature" />
      </Providers>,
    );
    // StrictMode subscribed twice and unsubscribes the first once its SUBACK comes.
    expect(fake.subscribeCount()).toBe(1);
    fake.ack();
    await settle();
    expect(fake.handlerCount('sensors/+/temperature')).toBe(1);
    expect(fake.wire).toEqual([{ type: 'subscribe', filter: 'sensors/+/temperature', qos: 0 }]);
    expect(text()).toBe('subscribed|');
    fake.deliver('sensors/kitchen/temperature', '21.5');
    frames.flushFrame();
    expect(text()).toBe('subscribed|21.5');
  });

  it('a message arriving between StrictMode’s unmount and the SUBACK reaches the live handler only', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    const seen: string[][] = [];
    renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="a/#" options={{ keep: 10 }} onResult={(r) => seen.push(r.messages.map((m) => m.text()))} />
      </Providers>,
    );
    // Both handlers are registered until the SUBACK; the first is the unmounted one.
    // Both handlers are registered until the SUBACK; the first is the unmounted one's.
    expect(fake.handlerCount('a/#')).toBe(2);
    fake.deliver('a/b', 'early');
    frames.flushFrame();
    expect(text()).toBe('waiting|early');
    fake.ack();
    await settle();
    expect(fake.handlerCount('a/#')).toBe(1);
    expect(seen.at(-1)).toEqual(['early']);
  });

  it('unmount unsubscribes: the UNSUBSCRIBE goes once the SUBACK has come, and later messages go nowhere', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    const { unmount } = renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="x/y" />
      </Providers>,
    );
    unmount();
    expect(fake.wire.map((w) => w.type)).toEqual(['subscribe']);
    fake.ack();
    await settle();
    expect(fake.wire).toEqual([{ type: 'subscribe', filter: 'x/y', qos: 0 }, { type: 'unsubscribe', filter: 'x/y' }]);
    expect(fake.handlerCount('x/y')).toBe(0);
    fake.deliver('x/y', 'late');
    expect(frames.pending()).toBe(0);
  });

  it('unmounting before a message’s frame drops the frame’s work for it', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    const { unmount } = renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="x/y" />
      </Providers>,
    );
    fake.ack();
    await settle();
    fake.deliver('x/y', 'one');
    expect(frames.pending()).toBe(1);
    unmount();
    // The frame still runs (it was requested) but has nothing to flush: no update on an unmounted component.
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    frames.flushFrame();
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  it('changing the filter unsubscribes the old one, subscribes the new one, and shows none of the old messages', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    function Switcher() {
      const [filter, setFilter] = useState('room/1');
      return (
        <>
          <button onClick={() => setFilter('room/2')}>switch</button>
          <Probe filter={filter} options={{ keep: 5 }} />
        </>
      );
    }
    renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Switcher />
      </Providers>,
    );
    fake.ack();
    await settle();
    fake.deliver('room/1', 'old');
    frames.flushFrame();
    expect(text()).toBe('subscribed|old');

    act(() => screen.getByText('switch').click());
    // The render that follows the change already leaves room/1's messages out.
    expect(text()).toBe('waiting|');
    fake.ack();
    await settle();
    expect(fake.wire).toEqual([
      { type: 'subscribe', filter: 'room/1', qos: 0 },
      { type: 'subscribe', filter: 'room/2', qos: 0 },
      { type: 'unsubscribe', filter: 'room/1' },
    ]);
    fake.deliver('room/1', 'stray');
    fake.deliver('room/2', 'new');
    frames.flushFrame();
    expect(text()).toBe('subscribed|new');
  });

  it('changing qos subscribes again with the new QoS; a re-render with an equal options object does not', async () => {
    const fake = new FakeClient();
    function Qos(props: { qos: 0 | 1 }) {
      return <Probe filter="q" options={{ qos: props.qos, keep: 1 }} />;
    }
    const { rerender } = renderApp(
      <Providers fake={fake}>
        <Qos qos={0} />
      </Providers>,
    );
    fake.ack();
    await settle();
    rerender(
      <Providers fake={fake}>
        <Qos qos={0} />
      </Providers>,
    );
    await settle();
    expect(fake.subscribeCount()).toBe(1);
    rerender(
      <Providers fake={fake}>
        <Qos qos={1} />
      </Providers>,
    );
    fake.ack();
    await settle();
    // The fake keeps one wire entry per filter; the hook released the QoS 0 one and took a QoS 1 one.
    expect(fake.handlerCount('q')).toBe(1);
    expect(fake.wire.at(-1)).toEqual({ type: 'subscribe', filter: 'q', qos: 1 });
  });

  it('50 components on one filter: one SUBSCRIBE; the UNSUBSCRIBE only when the last one unmounts', async () => {
    const fake = new FakeClient();
    function Many(props: { count: number }) {
      return (
        <>
          {Array.from({ length: props.count }, (_, i) => (
            <Probe key={i} id={`p${i}`} filter="fleet/+/status" />
          ))}
        </>
      );
    }
    const { rerender } = renderApp(
      <Providers fake={fake}>
        <Many count={50} />
      </Providers>,
    );
    fake.ack();
    await settle();
    expect(fake.subscribeCount()).toBe(1);
    expect(fake.handlerCount('fleet/+/status')).toBe(50);
    rerender(
      <Providers fake={fake}>
        <Many count={1} />
      </Providers>,
    );
    await settle();
    expect(fake.handlerCount('fleet/+/status')).toBe(1);
    expect(fake.wire.filter((w) => w.type === 'unsubscribe')).toEqual([]);
    rerender(
      <Providers fake={fake}>
        <Many count={0} />
      </Providers>,
    );
    await settle();
    expect(fake.wire.filter((w) => w.type === 'unsubscribe')).toEqual([{ type: 'unsubscribe', filter: 'fleet/+/status' }]);
  });

  it('a null filter subscribes to nothing until it is a string', async () => {
    const fake = new FakeClient();
    const { rerender } = renderApp(
      <Providers fake={fake}>
        <Probe filter={null} />
      </Providers>,
    );
    await settle();
    expect(fake.wire).toEqual([]);
    expect(text()).toBe('waiting|');
    rerender(
      <Providers fake={fake}>
        <Probe filter="now/this" />
      </Providers>,
    );
    expect(fake.subscribeCount('now/this')).toBe(1);
  });
  it('a new client from the provider: the old one is released, the new one subscribed', async () => {
    const one = new FakeClient();
    const two = new FakeClient();
    const frames = manualFrames();
    const { rerender } = renderApp(
      <Providers fake={one} schedule={frames.schedule}>
        <Probe filter="swap" />
      </Providers>,
    );
    one.ack();
    await settle();
    rerender(
      <Providers fake={two} schedule={frames.schedule}>
        <Probe filter="swap" />
      </Providers>,
    );
    two.ack();
    await settle();
    expect(one.wire).toEqual([{ type: 'subscribe', filter: 'swap', qos: 0 }, { type: 'unsubscribe', filter: 'swap' }]);
    expect(two.handlerCount('swap')).toBe(1);
    two.deliver('swap', 'from two');
    frames.flushFrame();
    expect(text()).toBe('subscribed|from two');
  });

  it('a smaller keep applies from the next frame, without subscribing again', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    const { rerender } = renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="k" options={{ keep: 5 }} />
      </Providers>,
    );
    fake.ack();
    await settle();
    for (const m of ['1', '2', '3', '4']) fake.deliver('k', m);
    frames.flushFrame();
    rerender(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="k" options={{ keep: 2 }} />
      </Providers>,
    );
    fake.deliver('k', '5');
    frames.flushFrame();
    expect(text()).toBe('subscribed|4,5');
    expect(fake.subscribeCount()).toBe(1);
  });
});

describe('useSubscription: a burst is one render per frame', () => {
  it('500 messages before a frame: no render until the frame, then one commit per frame; the last N × `keep` are shown', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    const commits = commitCounter();
    renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <commits.Wrap>
          <Probe filter="burst/#" options={{ keep: 3 }} />
        </commits.Wrap>
      </Providers>,
      { strict: false },
    );
    fake.ack();
    await settle();
    const before = commits.count();
    for (let i = 0; i < 500; i++) fake.deliver(`burst/${i}`, String(i));
    expect(commits.count()).toBe(before);
    // One frame requested for the whole burst.
    expect(frames.pending()).toBe(1);
    frames.flushFrame();
    expect(commits.count()).toBe(before + 1);
    // More than N × keep: the oldest, which no frame could show in time, are dropped; the rest come `keep` per frame.
    const first = 500 - N * 3;
    expect(text()).toBe(`subscribed|${first},${first + 1},${first + 2}`);
    for (let frame = 1; frame < N; frame++) {
      expect(frames.pending()).toBe(1);
      frames.flushFrame();
      const at = first + 3 * frame;
      expect(text()).toBe(`subscribed|${at},${at + 1},${at + 2}`);
    }
    expect(text()).toBe('subscribed|497,498,499');
    expect(commits.count()).toBe(before + N);
    expect(frames.pending()).toBe(0);
  });

  it('20 components on one filter re-render in one commit per frame, not one per component', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    const commits = commitCounter();
    renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <commits.Wrap>
          {Array.from({ length: 20 }, (_, i) => (
            <Probe key={i} id={`p${i}`} filter="t" />
          ))}
        </commits.Wrap>
      </Providers>,
      { strict: false },
    );
    fake.ack();
    await settle();
    const before = commits.count();
    for (let i = 0; i < 10; i++) fake.deliver('t', `m${i}`);
    expect(frames.pending()).toBe(1);
    frames.flushFrame();
    expect(commits.count()).toBe(before + 1);
    expect(text('p0')).toBe('subscribed|m9');
    expect(text('p19')).toBe('subscribed|m9');
  });

  it('keep: messages accumulate across frames up to `keep`, oldest first; `message` is the newest', async () => {
    const fake = new FakeClient();
    const frames = manualFrames();
    let last: SubscriptionResult | undefined;
    renderApp(
      <Providers fake={fake} schedule={frames.schedule}>
        <Probe filter="k" options={{ keep: 4 }} onResult={(r) => (last = r)} />
      </Providers>,
    );
    fake.ack();
    await settle();
    for (const batch of [['1', '2'], ['3'], ['4', '5']]) {
      for (const m of batch) fake.deliver('k', m);
      frames.flushFrame();
    }
    expect(last!.messages.map((m) => m.text())).toEqual(['2', '3', '4', '5']);
    expect(last!.message?.text()).toBe('5');
    const kept = last!.messages;
    // A render with nothing new hands back the same array.
    frames.flushFrame();
    expect(last!.messages).toBe(kept);
  });

  it('the default scheduler is requestAnimationFrame: one frame requested per burst', async () => {
    const fake = new FakeClient();
    const raf = vi.spyOn(globalThis, 'requestAnimationFrame');
    renderApp(
      <MqttProvider client={fake.asClient}>
        <Probe filter="r" options={{ keep: 100 }} />
      </MqttProvider>,
    );
    fake.ack();
    await settle();
    raf.mockClear();
    for (let i = 0; i < 100; i++) fake.deliver('r', String(i));
    expect(raf).toHaveBeenCalledTimes(1);
    await act(async () => {
      await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    });
    expect(text()).toBe(`subscribed|${Array.from({ length: 100 }, (_, i) => i).join(',')}`);
    raf.mockRestore();
  });
});

/** Records every committed result (an effect runs once per commit), as a user would see them on screen. */
function CommitLog(props: { filter: string; keep: number; commits: Array<{ message: string | undefined; messages: string[] }> }) {
  const { message, messages } = useSubscription(props.filter, { keep: props.keep });
  useEffect(() => {
    props.commits.push({ message: message?.text(), messages: messages.map((m) => m.text()) });
  });
  return null;
}

/** Every message text that was in at least one committed list. */
const everShown = (commits: Array<{ messages: string[] }>): Set<string> => new Set(commits.flatMap((c) => c.messages));

async function stalledList(keep: number) {
  const fake = new FakeClient();
  const frames = manualFrames();
  const commits: Array<{ message: string | undefined; messages: string[] }> = [];
  renderApp(
    <Providers fake={fake} schedule={frames.schedule}>
      <CommitLog filter="s/#" keep={keep} commits={commits} />
    </Providers>,
    { strict: false },
  );
  fake.ack();
  await settle();
  commits.length = 0;
  /** Frames until nothing is pending (bounded, so a bug cannot loop forever); returns how many ran. */
  const drain = (): number => {
    let n = 0;
    while (frames.pending() > 0 && n < 100) {
      frames.flushFrame();
      n++;
    }
    return n;
  };
  return { fake, frames, commits, drain };
}

describe('useSubscription: after a stall, a list catches up over at most N frames (#16)', () => {
  it('keep 200, N × 200 − 100 messages in one task (a stall): all are rendered, 200 per frame over N frames', async () => {
    const { fake, commits, drain } = await stalledList(200);
    const stalled = N * 200 - 100;
    for (let i = 0; i < stalled; i++) fake.deliver('s/x', String(i));
    expect(drain()).toBe(N);
    expect(commits.map((c) => c.messages.length)).toEqual(Array.from({ length: N }, () => 200));
    expect(everShown(commits).size).toBe(stalled);
    expect(commits.at(-1)!.messages.at(-1)).toBe(String(stalled - 1));
  });

  it('`message` is the last of `messages` in every commit while catching up', async () => {
    const { fake, commits, drain } = await stalledList(50);
    for (let i = 0; i < 130; i++) fake.deliver('s/x', String(i));
    drain();
    expect(commits.length).toBe(3);
    for (const c of commits) expect(c.message).toBe(c.messages.at(-1));
    expect(commits.map((c) => c.message)).toEqual(['49', '99', '129']);
  });

  it('messages arriving during a catch-up queue behind the backlog: the list stays in order and complete', async () => {
    const { fake, frames, commits, drain } = await stalledList(10);
    let next = 0;
    const deliver = (n: number) => {
      for (let i = 0; i < n; i++) fake.deliver('s/x', String(next++));
    };
    deliver(35);
    frames.flushFrame();
    deliver(3);
    frames.flushFrame();
    deliver(3);
    drain();
    expect(everShown(commits).size).toBe(41);
    const order = commits.flatMap((c) => c.messages).map(Number);
    // Each commit's list continues where some earlier one left off: no message shown out of order.
    expect([...new Set(order)]).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(commits.at(-1)!.message).toBe('40');
  });

  it('more than N × keep in one stall: the oldest are dropped, the newest N × keep all shown, and the list is current within N frames', async () => {
    const { fake, commits, drain } = await stalledList(100);
    const stalled = N * 100 + 250;
    for (let i = 0; i < stalled; i++) fake.deliver('s/x', String(i));
    expect(drain()).toBe(N);
    const shown = everShown(commits);
    expect(shown.size).toBe(N * 100);
    expect(shown.has('249')).toBe(false);
    expect(shown.has('250')).toBe(true);
    expect(commits.at(-1)!.message).toBe(String(stalled - 1));
  });

  it('a steady stream faster than the list (3 × keep per frame) is never N × keep or more messages behind', async () => {
    const { fake, frames, commits } = await stalledList(5);
    let next = 0;
    for (let frame = 0; frame < 20; frame++) {
      for (let i = 0; i < 15; i++) fake.deliver('s/x', String(next++));
      frames.flushFrame();
      // Behind by what still waits: less than the N × keep a backlog is cut to.
      expect(next - 1 - Number(commits.at(-1)!.message)).toBeLessThan(N * 5);
    }
  });

  it('keep 1 (a single value) shows the newest message on the next frame: no catch-up, no lag', async () => {
    const { fake, frames, commits } = await stalledList(1);
    for (let i = 0; i < 5; i++) fake.deliver('s/x', String(i));
    frames.flushFrame();
    expect(commits.map((c) => c.message)).toEqual(['4']);
    expect(frames.pending()).toBe(0);
  });

  it('a hidden tab (no frames) buffers, and when frames resume shows exactly the newest N × keep', async () => {
    const { fake, frames, commits, drain } = await stalledList(20);
    for (let i = 0; i < 10_000; i++) fake.deliver('s/x', String(i));
    expect(frames.pending()).toBe(1);
    expect(drain()).toBe(N);
    expect(everShown(commits)).toEqual(new Set(Array.from({ length: N * 20 }, (_, i) => String(10_000 - N * 20 + i))));
  });
});

describe('useSubscription: errors are in the result, never thrown or unhandled', () => {
  it('a bad filter comes back as INVALID_TOPIC from the real client, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const client = createClient({ url: 'ws://localhost:1/mqtt', browserSignals: null });
      let last: SubscriptionResult | undefined;
      renderApp(
        <MqttProvider client={client}>
          <Probe filter="sensors/#/bad" onResult={(r) => (last = r)} />
        </MqttProvider>,
      );
      await settle();
      expect(text()).toBe('error:INVALID_TOPIC');
      expect(last!.error?.name).toBe('WebMqttError');
      expect(last!.subscribed).toBe(false);
      // One more turn of the event loop, for Node to report an unhandled rejection if there was one.
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
      expect(client.state).toBe('idle');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a bad keep is INVALID_OPTIONS in the result and subscribes nothing', async () => {
    const fake = new FakeClient();
    renderApp(
      <Providers fake={fake}>
        <Probe filter="ok" options={{ keep: 0 }} />
      </Providers>,
    );
    await settle();
    expect(text()).toBe('error:INVALID_OPTIONS');
    expect(fake.wire).toEqual([]);
  });

  it('a subscription the client rejects later (closed) shows that error', async () => {
    const fake = new FakeClient();
    fake.state = 'closed';
    renderApp(
      <Providers fake={fake}>
        <Probe filter="t" />
      </Providers>,
    );
    await settle();
    expect(text()).toBe('error:CLIENT_CLOSED');
  });
});
