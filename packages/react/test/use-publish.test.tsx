// @vitest-environment happy-dom
import { useState } from 'react';
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError } from '@webmqtt/client';
import { MqttProvider, usePublish, type PublishFunction } from '../src/index';
import { FakeClient } from './support/fake-client';
import { renderApp } from './support/render';

afterEach(cleanup);

describe('usePublish', () => {
  it('is the same function across re-renders, and passes topic, payload and options to client.publish', async () => {
    const fake = new FakeClient();
    const seen: PublishFunction[] = [];
    function Button() {
      const publish = usePublish();
      const [clicks, setClicks] = useState(0);
      seen.push(publish);
      return (
        <button
          onClick={() => {
            setClicks(clicks + 1);
            void publish('lights/kitchen', `on ${clicks}`, { qos: 1, retain: true });
          }}
        >
          publish
        </button>
      );
    }
    renderApp(
      <MqttProvider client={fake.asClient}>
        <Button />
      </MqttProvider>,
    );
    act(() => screen.getByText('publish').click());
    act(() => screen.getByText('publish').click());
    expect(new Set(seen).size).toBe(1);
    expect(seen.length).toBeGreaterThan(2);
    expect(fake.published).toEqual([
      { topic: 'lights/kitchen', payload: 'on 0', options: { qos: 1, retain: true } },
      { topic: 'lights/kitchen', payload: 'on 1', options: { qos: 1, retain: true } },
    ]);
  });

  it('a new client gives a new function; the rejection of client.publish is the caller’s to handle', async () => {
    const one = new FakeClient();
    const two = new FakeClient();
    two.publishResult = () => Promise.reject(new WebMqttError(ErrorCode.QUEUE_FULL, 'full'));
    let publish: PublishFunction | undefined;
    function Grab() {
      publish = usePublish();
      return null;
    }
    const { rerender } = renderApp(
      <MqttProvider client={one.asClient}>
        <Grab />
      </MqttProvider>,
    );
    const first = publish;
    rerender(
      <MqttProvider client={two.asClient}>
        <Grab />
      </MqttProvider>,
    );
    expect(publish).not.toBe(first);
    await expect(publish!('a', 'b')).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(two.published).toEqual([{ topic: 'a', payload: 'b', options: undefined }]);
  });
});
