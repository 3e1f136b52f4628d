// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MqttProvider, useMqttClient, useMqttState, usePublish, useSubscription, type MqttProviderProps } from '../src/index';
import { FakeClient } from './support/fake-client';
import { renderApp, settle } from './support/render';

// The provider's own client comes from createClient(): here a FakeClient per call, so ownership can be watched.
const created: FakeClient[] = [];
vi.mock('@webmqtt/client', async (original) => ({
  ...(await original<typeof import('@webmqtt/client')>()),
  createClient: vi.fn(() => {
    const fake = new FakeClient();
    created.push(fake);
    return fake.asClient;
  }),
}));

afterEach(() => {
  cleanup();
  created.length = 0;
});

function ClientId() {
  const client = useMqttClient();
  return <p data-testid="client">{created.indexOf(client as unknown as FakeClient)}</p>;
}

describe('MqttProvider: it owns only the client it created', () => {
  it('with options: creates one client, connects it on mount and closes it on unmount', async () => {
    const { unmount } = renderApp(
      <MqttProvider options={{ url: 'ws://localhost:8084/mqtt' }}>
        <ClientId />
      </MqttProvider>,
      { strict: false },
    );
    expect(created).toHaveLength(1);
    expect(created[0]!.connectCalls).toBe(1);
    expect(screen.getByTestId('client').textContent).toBe('0');
    unmount();
    await settle();
    expect(created[0]!.closeCalls).toBe(1);
    expect(created[0]!.state).toBe('closed');
  });

  it('StrictMode’s simulated unmount does not close it: the client in use stays open until the real unmount', async () => {
    const { unmount } = renderApp(
      <MqttProvider options={{ url: 'ws://localhost:8084/mqtt' }}>
        <ClientId />
      </MqttProvider>,
    );
    await settle();
    // StrictMode may build the initial state twice; the copy it drops is never connected.
    const used = created[Number(screen.getByTestId('client').textContent)]!;
    expect(used.state).toBe('connecting');
    expect(used.closeCalls).toBe(0);
    for (const other of created.filter((c) => c !== used)) expect([other.connectCalls, other.closeCalls]).toEqual([0, 0]);
    unmount();
    await settle();
    expect(used.state).toBe('closed');
  });

  it('options are read once: a re-render with new options keeps the same client', async () => {
    const { rerender } = renderApp(
      <MqttProvider options={{ url: 'ws://localhost:8084/mqtt' }}>
        <ClientId />
      </MqttProvider>,
      { strict: false },
    );
    rerender(
      <MqttProvider options={{ url: 'ws://localhost:9999/mqtt' }}>
        <ClientId />
      </MqttProvider>,
    );
    await settle();
    expect(created).toHaveLength(1);
    expect(created[0]!.state).toBe('connecting');
  });

  it('with a client: never connects or closes it, and hands it to useMqttClient', async () => {
    const mine = new FakeClient();
    let seen: unknown;
    function Grab() {
      seen = useMqttClient();
      return null;
    }
    const { unmount } = renderApp(
      <MqttProvider client={mine.asClient}>
        <Grab />
      </MqttProvider>,
    );
    unmount();
    await settle();
    expect(seen).toBe(mine);
    expect([mine.connectCalls, mine.closeCalls, mine.state]).toEqual([0, 0, 'idle']);
    expect(created).toEqual([]);
  });

  it('both or neither of client and options is a clear error', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    // What plain JavaScript (or a cast) can pass; the types refuse both.
    const both = { client: new FakeClient().asClient, options: { url: 'ws://localhost/mqtt' } } as unknown as MqttProviderProps;
    const neither = {} as MqttProviderProps;
    expect(() => render(<MqttProvider {...both} />)).toThrow('<MqttProvider> takes either `client` or `options`, not both.');
    expect(() => render(<MqttProvider {...neither} />)).toThrow('<MqttProvider> needs a `client` or `options` prop.');
    errors.mockRestore();
  });
});

describe('hooks outside a provider', () => {
  const hooks = { useMqttClient, useMqttState, usePublish, useSubscription: () => useSubscription('a') };
  for (const [name, hook] of Object.entries(hooks)) {
    it(`${name}() throws an error naming MqttProvider`, () => {
      function Lonely() {
        hook();
        return null;
      }
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      expect(() => render(<Lonely />)).toThrow(`${name}() must be used inside <MqttProvider>`);
      errors.mockRestore();
    });
  }
});
