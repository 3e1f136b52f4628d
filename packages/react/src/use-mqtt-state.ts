import { useSyncExternalStore } from 'react';
import { connectionStateStore, SERVER_STATE, type MqttState } from './connection-state-store';
import { useMqttContext } from './mqtt-context';

const serverSnapshot = (): MqttState => SERVER_STATE;

/**
 * The connection state, live: re-renders on every `state` and `role` event (useSyncExternalStore, so no
 * component sees another state than its siblings in the same render). On the server, and during hydration,
 * it is `{ state: 'idle', role: 'solo' }`.
 * @example
 * ```tsx
 * const { state, retryInMs } = useMqttState();
 * return <span>{state === 'reconnecting' ? `retrying in ${Math.ceil(retryInMs! / 1000)} s` : state}</span>;
 * ```
 */
export function useMqttState(): MqttState {
  const store = connectionStateStore(useMqttContext('useMqttState').client);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, serverSnapshot);
}
