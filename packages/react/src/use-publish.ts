import { useCallback } from 'react';
import type { PublishOptions } from '@webmqtt/client';
import { useMqttContext } from './mqtt-context';

/** What {@link usePublish} returns: `client.publish`, bound. */
export type PublishFunction = (topic: string, payload: string | Uint8Array, options?: PublishOptions) => Promise<void>;

/**
 * A publish function that stays the same across renders (it changes only when the provider's client does), so it
 * can go in dependency lists and to memoised children. It never throws: errors reject its promise.
 * @example
 * ```tsx
 * const publish = usePublish();
 * <button onClick={() => void publish('lights/kitchen', 'on', { qos: 1 })}>On</button>
 * ```
 */
export function usePublish(): PublishFunction {
  const { client } = useMqttContext('usePublish');
  return useCallback<PublishFunction>((topic, payload, options) => client.publish(topic, payload, options), [client]);
}
