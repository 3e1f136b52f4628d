import type { WebMqttClient } from '@webmqtt/client';
import { useMqttContext } from './mqtt-context';

/**
 * The nearest {@link MqttProvider}'s client, for what the hooks do not cover (`request()`, `messages()`, events).
 * @example
 * ```tsx
 * const client = useMqttClient();
 * const ask = () => client.request('rpc/time', 'now', { timeoutMs: 5_000 });
 * ```
 */
export function useMqttClient(): WebMqttClient {
  return useMqttContext('useMqttClient').client;
}
