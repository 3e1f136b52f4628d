import { describe, expect, it } from 'vitest';
import { nextTick, process as processStandIn } from '../../src/engine/next-tick';

describe('nextTick', () => {
  it('does not run synchronously', () => {
    let ran = false;
    nextTick(() => (ran = true));
    expect(ran).toBe(false);
  });

  it('runs in a microtask: before a setTimeout(0) and before a MessageChannel message queued earlier', async () => {
    const order: string[] = [];
    const channel = new MessageChannel();
    const message = new Promise<void>((resolve) => {
      channel.port1.onmessage = () => {
        order.push('message');
        resolve();
      };
    });
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push('timeout');
        resolve();
      }, 0),
    );
    channel.port2.postMessage('x');
    nextTick(() => order.push('tick'));
    try {
      await Promise.all([message, timer]);
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
    expect(order[0]).toBe('tick');
    expect(order).toHaveLength(3);
  });

  it('a nextTick scheduled from a nextTick still runs before a timer set before both', async () => {
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => (order.push('timeout'), resolve()), 0));
    nextTick(() => {
      order.push('outer');
      nextTick(() => order.push('inner'));
    });
    await timer;
    expect(order).toEqual(['outer', 'inner', 'timeout']);
  });

  it('is a microtask: it has run by the time code awaiting a promise resolved after it resumes', async () => {
    let ran = false;
    nextTick(() => (ran = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(ran).toBe(true);
  });

  it('passes the extra arguments (writeToStream calls nextTick(uncork, stream))', async () => {
    const got: unknown[][] = [];
    const stream = { name: 'stream' };
    nextTick((...args: unknown[]) => got.push(args), stream);
    nextTick((...args: unknown[]) => got.push(args), 1, 'two', null, undefined);
    nextTick((...args: unknown[]) => got.push(args));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(got).toEqual([[stream], [1, 'two', null, undefined], []]);
    expect(got[0]![0]).toBe(stream);
  });

  it('keeps the order of the calls', async () => {
    const order: number[] = [];
    for (let i = 0; i < 1000; i++) nextTick((n: number) => order.push(n), i);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('the process object MQTT.js reads has this nextTick (shared.js checks typeof process.nextTick)', () => {
    expect(typeof processStandIn.nextTick).toBe('function');
    expect(processStandIn.nextTick).toBe(nextTick);
    expect(typeof processStandIn.env).toBe('object');
  });
});
