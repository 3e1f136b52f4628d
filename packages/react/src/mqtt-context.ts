import { createContext, useContext } from 'react';
import type { WebMqttClient } from '@webmqtt/client';
import type { FrameBatcher } from './frame-batcher';

/** What a provider hands its hooks. */
export interface MqttContextValue {
  client: WebMqttClient;
  batcher: FrameBatcher;
}

/** null outside every provider: the hooks say so instead of failing on `undefined.subscribe`. */
export const MqttContext = /* @__PURE__ */ createContext<MqttContextValue | null>(null);

/** The nearest provider's value; `hook` names the caller in the error thrown without one. */
export function useMqttContext(hook: string): MqttContextValue {
  const value = useContext(MqttContext);
  if (value === null) {
    throw new Error(
      `${hook}() must be used inside <MqttProvider>: wrap the component tree in <MqttProvider client={client}> or <MqttProvider options={{ url }}> (from @webmqtt/react).`,
    );
  }
  return value;
}
