// No DOM here: the environment is Node's, as on a server (no window, no document, no requestAnimationFrame).
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttFactory } from '@webmqtt/client';
import { SsrApp } from './support/app';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('server rendering (renderToString in Node)', () => {
  it('renders idle and no messages; opens no socket, schedules nothing, and needs no window', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const sockets: string[] = [];
    // A WebSocket global as some servers have (Node 22+, undici): constructing one would be opening a socket.
    vi.stubGlobal('WebSocket', class {
      constructor(url: string) {
        sockets.push(url);
      }
    });
    const factory = vi.fn<MqttFactory>(() => {
      throw new Error('the factory must not be called while rendering on the server');
    });
    vi.useFakeTimers();
    const html = renderToString(<SsrApp options={{ url: 'ws://localhost:8084/mqtt', mqttFactory: factory, auth: { token: 'not-a-real-token' } }} />);
    expect(html).toContain('<output id="state">idle (solo)</output>');
    expect(html).toContain('<ul id="readings"></ul>');
    expect(html).not.toContain('not-a-real-token');
    expect(sockets).toEqual([]);
    expect(factory).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    expect(typeof window).toBe('undefined');
  });

  it('a given client is rendered as idle too (what hydration starts from), whatever it is doing', async () => {
    const { FakeClient } = await import('./support/fake-client');
    const fake = new FakeClient();
    fake.state = 'connected';
    const html = renderToString(<SsrApp client={fake.asClient} />);
    expect(html).toContain('idle (solo)');
    expect(fake.wire).toEqual([]);
    expect(fake.listenerCount('state')).toBe(0);
  });
});
