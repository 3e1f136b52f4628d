// Type tests for what users write against; npm run typecheck compiles them (tsconfig.test.json), vitest runs the
// few runtime lines.
import { describe, expectTypeOf, it } from 'vitest';
import type { ClientRole, ConnectionState, Message, PublishOptions, WebMqttClient, WebMqttError } from '@webmqtt/client';
import { MqttProvider, useMqttClient, useMqttState, usePublish, useSubscription, type MqttProviderProps, type MqttState, type PublishFunction, type SubscriptionResult } from '../src/index';

describe('public types', () => {
  it('the hooks return what API.md names', () => {
    expectTypeOf(useMqttState).returns.toEqualTypeOf<MqttState>();
    expectTypeOf<MqttState['state']>().toEqualTypeOf<ConnectionState>();
    expectTypeOf<MqttState['role']>().toEqualTypeOf<ClientRole>();
    expectTypeOf<MqttState['retryInMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<MqttState['reason']>().toEqualTypeOf<WebMqttError | undefined>();
    expectTypeOf(useSubscription).returns.toEqualTypeOf<SubscriptionResult>();
    expectTypeOf<SubscriptionResult['message']>().toEqualTypeOf<Message | undefined>();
    expectTypeOf<SubscriptionResult['messages']>().toEqualTypeOf<readonly Message[]>();
    expectTypeOf(usePublish).returns.toEqualTypeOf<PublishFunction>();
    expectTypeOf<PublishFunction>().parameters.toEqualTypeOf<[topic: string, payload: string | Uint8Array, options?: PublishOptions]>();
    expectTypeOf<PublishFunction>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(useMqttClient).returns.toEqualTypeOf<WebMqttClient>();
  });

  it('useSubscription takes a filter (or null for none) and { qos, keep }', () => {
    expectTypeOf(useSubscription).parameter(0).toEqualTypeOf<string | null | undefined>();
    // @ts-expect-error QoS is 0, 1 or 2
    useSubscription.bind(null, 'a', { qos: 3 });
    // @ts-expect-error keep is a number
    useSubscription.bind(null, 'a', { keep: '5' });
  });

  it('the provider takes a client or options, not both and not neither', () => {
    const client = {} as WebMqttClient;
    expectTypeOf({ client }).toExtend<MqttProviderProps>();
    expectTypeOf({ options: { url: 'wss://broker.example/mqtt' } }).toExtend<MqttProviderProps>();
    expectTypeOf({ client, options: { url: 'wss://broker.example/mqtt' } }).not.toExtend<MqttProviderProps>();
    expectTypeOf({}).not.toExtend<MqttProviderProps>();
    // @ts-expect-error options need a url
    void (() => <MqttProvider options={{}} />);
  });
});
