// @vitest-environment happy-dom
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError } from '@webmqtt/client';
import { MqttProvider, useMqttState, type MqttState } from '../src/index';
import { FakeClient } from './support/fake-client';
import { commitCounter, renderApp } from './support/render';

afterEach(cleanup);

function Badge(props: { id?: string; onState?: (s: MqttState) => void }) {
  const state = useMqttState();
  props.onState?.(state);
  return <output data-testid={props.id ?? 'badge'}>{`${state.state}/${state.role}`}</output>;
}

describe('useMqttState', () => {
  it('starts from the client’s state and role, and follows every state event with its fields', () => {
    const fake = new FakeClient();
    fake.state = 'connecting';
    let last: MqttState | undefined;
    renderApp(
      <MqttProvider client={fake.asClient}>
        <Badge onState={(s) => (last = s)} />
      </MqttProvider>,
    );
    expect(screen.getByTestId('badge').textContent).toBe('connecting/solo');
    act(() => fake.setState('connected', { attempt: 1 }));
    expect(last).toEqual({ state: 'connected', attempt: 1, role: 'solo' });
    const reason = new WebMqttError(ErrorCode.CONNECTION_LOST, 'lost');
    act(() => fake.setState('reconnecting', { reason, attempt: 2, retryInMs: 750 }));
    expect(last).toEqual({ state: 'reconnecting', reason, attempt: 2, retryInMs: 750, role: 'solo' });
    act(() => fake.setState('connected'));
    // Nothing of the reconnecting phase is carried over.
    expect(last).toEqual({ state: 'connected', role: 'solo' });
  });

  it('follows the role event (and client.role at mount)', () => {
    const fake = new FakeClient();
    fake.role = 'follower';
    renderApp(
      <MqttProvider client={fake.asClient}>
        <Badge />
      </MqttProvider>,
    );
    expect(screen.getByTestId('badge').textContent).toBe('idle/follower');
    act(() => fake.setRole('leader'));
    expect(screen.getByTestId('badge').textContent).toBe('idle/leader');
  });

  it('every component on the client gets the same snapshot object, in one commit per change', () => {
    const fake = new FakeClient();
    const snapshots: MqttState[] = [];
    const commits = commitCounter();
    renderApp(
      <MqttProvider client={fake.asClient}>
        <commits.Wrap>
          <Badge id="a" onState={(s) => snapshots.push(s)} />
          <Badge id="b" onState={(s) => snapshots.push(s)} />
        </commits.Wrap>
      </MqttProvider>,
      { strict: false },
    );
    const before = commits.count();
    snapshots.length = 0;
    act(() => fake.setState('connecting', { attempt: 1 }));
    expect(commits.count()).toBe(before + 1);
    expect(snapshots).toHaveLength(2);
    expect(snapshots[0]).toBe(snapshots[1]);
  });

  it('listens to the client only while mounted (one state and one role listener for any number of components)', () => {
    const fake = new FakeClient();
    const { unmount } = renderApp(
      <MqttProvider client={fake.asClient}>
        <Badge id="a" />
        <Badge id="b" />
        <Badge id="c" />
      </MqttProvider>,
    );
    expect([fake.listenerCount('state'), fake.listenerCount('role')]).toEqual([1, 1]);
    unmount();
    expect([fake.listenerCount('state'), fake.listenerCount('role')]).toEqual([0, 0]);
  });

  it('a change while nobody listened is seen at the next mount', () => {
    const fake = new FakeClient();
    const first = renderApp(
      <MqttProvider client={fake.asClient}>
        <Badge />
      </MqttProvider>,
    );
    first.unmount();
    fake.state = 'connected';
    renderApp(
      <MqttProvider client={fake.asClient}>
        <Badge />
      </MqttProvider>,
    );
    expect(screen.getByTestId('badge').textContent).toBe('connected/solo');
  });
});
