import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, WebMqttError } from '../src/core/errors';
import { createMessage, type Message } from '../src/messaging/message';
import { messageStream } from '../src/messaging/message-stream';
import type { Subscription } from '../src/messaging/subscriptions';
import { flush } from './support/fake-mqtt';
import { harness, track } from './support/harness';

const msg = (text: string): Message => createMessage({ topic: 't', payload: text });

/** A subscribe() double: the test pushes messages through `emit`. */
function source(opts: { fail?: WebMqttError } = {}) {
  let handler: ((m: Message) => void) | undefined;
  const unsubscribe = vi.fn(async () => {});
  let resolveSub!: (s: Subscription) => void;
  let rejectSub!: (e: unknown) => void;
  const subscribed = new Promise<Subscription>((res, rej) => {
    resolveSub = res;
    rejectSub = rej;
  });
  const subscribe = vi.fn((h: (m: Message) => void) => {
    handler = h;
    return subscribed;
  });
  return {
    subscribe,
    unsubscribe,
    emit: (m: Message) => handler?.(m),
    confirm: () => (opts.fail ? rejectSub(opts.fail) : resolveSub({ filter: 't', unsubscribe })),
  };
}

describe('messageStream', () => {
  it('yields messages in order, buffering those that arrive before next()', async () => {
    const s = source();
    const it = messageStream(s.subscribe, {});
    s.confirm();
    s.emit(msg('1'));
    s.emit(msg('2'));
    s.emit(msg('3'));
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await it.next()).value.text());
    expect(texts).toEqual(['1', '2', '3']);
  });

  it('hands a message straight to a waiting next()', async () => {
    const s = source();
    const it = messageStream(s.subscribe, {});
    s.confirm();
    const waiting = track(it.next());
    await flush();
    expect(waiting.state).toBe('pending');
    s.emit(msg('x'));
    await flush();
    expect(waiting.value?.value.text()).toBe('x');
  });

  it('ends and unsubscribes on break', async () => {
    const s = source();
    const iterator = messageStream(s.subscribe, {});
    s.confirm();
    s.emit(msg('1'));
    s.emit(msg('2'));
    const seen: string[] = [];
    for await (const m of iterator) {
      seen.push(m.text());
      break;
    }
    expect(seen).toEqual(['1']);
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
  });

  // BUG: finish() keeps the buffer, so next() after return()/break still yields buffered messages (done: false).
  it('is done after return(), even with messages still buffered', async () => {
    const s = source();
    const iterator = messageStream(s.subscribe, {});
    s.confirm();
    s.emit(msg('1'));
    s.emit(msg('2'));
    await iterator.next();
    await iterator.return!();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a waiting loop normally when the signal aborts, and unsubscribes', async () => {
    const s = source();
    const controller = new AbortController();
    const iterator = messageStream(s.subscribe, { signal: controller.signal });
    s.confirm();
    await flush();
    const waiting = track(iterator.next());
    controller.abort();
    await flush();
    expect(waiting.value).toEqual({ value: undefined, done: true });
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
    s.emit(msg('late'));
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('unsubscribes once the subscription arrives when aborted before it did', async () => {
    const s = source();
    const controller = new AbortController();
    const iterator = messageStream(s.subscribe, { signal: controller.signal });
    controller.abort();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    s.confirm();
    await flush();
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('with an already aborted signal yields nothing and unsubscribes', async () => {
    const s = source();
    const iterator = messageStream(s.subscribe, { signal: AbortSignal.abort() });
    s.confirm();
    await flush();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('rejects next() with the subscribe error', async () => {
    const failure = new WebMqttError(ErrorCode.SUBSCRIBE_REJECTED, 'no');
    const s = source({ fail: failure });
    const iterator = messageStream(s.subscribe, {});
    const waiting = track(iterator.next());
    s.confirm();
    await flush();
    expect(waiting.error).toBe(failure);
    await expect(iterator.next()).rejects.toBe(failure);
  });

  it('return() resolves done after the subscription is settled', async () => {
    const s = source();
    const iterator = messageStream(s.subscribe, {});
    const returned = track(iterator.return!());
    await flush();
    expect(returned.state).toBe('pending');
    s.confirm();
    await flush();
    expect(returned.value).toEqual({ value: undefined, done: true });
    expect(s.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('removes its abort listener when it ends', async () => {
    const s = source();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const iterator = messageStream(s.subscribe, { signal: controller.signal });
    s.confirm();
    await iterator.return!();
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});

describe('client.messages()', () => {
  it('iterates messages matching the filter and unsubscribes on break', async () => {
    const h = harness();
    await h.connectNow();
    const iterator = h.client.messages('sensors/#', { qos: 1 });
    await flush();
    expect(h.fake.subscribes[0]!.map).toEqual({ 'sensors/#': { qos: 1 } });
    h.fake.deliver('other/x', 'no');
    h.fake.deliver('sensors/a', 'yes');
    const seen: string[] = [];
    for await (const m of iterator) {
      seen.push(m.topic);
      break;
    }
    await flush();
    expect(seen).toEqual(['sensors/a']);
    expect(h.fake.unsubscribedFilters).toEqual(['sensors/#']);
  });

  it('stops when the signal aborts', async () => {
    const h = harness();
    await h.connectNow();
    const controller = new AbortController();
    const loop = (async () => {
      const seen: string[] = [];
      for await (const m of h.client.messages('a/#', { signal: controller.signal })) seen.push(m.text());
      return seen;
    })();
    await flush();
    h.fake.deliver('a/1', 'one');
    await flush();
    controller.abort();
    expect(await loop).toEqual(['one']);
    await flush();
    expect(h.fake.unsubscribedFilters).toEqual(['a/#']);
  });
});
