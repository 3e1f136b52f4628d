import { createElement, useEffect, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { createClient, type ClientOptions, type WebMqttClient } from '@webmqtt/client';
import { createFrameBatcher, type FrameScheduler } from './frame-batcher';
import { MqttContext, type MqttContextValue } from './mqtt-context';

interface CommonProps {
  children?: ReactNode;
  /** How message updates are batched; read once. Default: the next animation frame. */
  frameScheduler?: FrameScheduler;
}

/**
 * Either a client you made (`client`: the provider never connects or closes it), or `options` for one the
 * provider makes, connects on mount and closes on unmount. `options` are read once, on the first render:
 * to connect with other options, give the provider a new `key`.
 */
export type MqttProviderProps = CommonProps & ({ client: WebMqttClient; options?: never } | { options: ClientOptions; client?: never });

const ignore = (): void => {};

/**
 * Makes a client available to the hooks below it.
 * @example
 * ```tsx
 * <MqttProvider options={{ url: 'wss://broker.example.com:8085/mqtt', auth: { token: getToken } }}>
 *   <Dashboard />
 * </MqttProvider>
 * ```
 */
export function MqttProvider(props: MqttProviderProps): ReactElement {
  const given = props.client;
  if (given !== undefined && props.options !== undefined) throw new Error('<MqttProvider> takes either `client` or `options`, not both.');
  // Created while rendering, so the first render (and the server's) has a client to hand out: createClient()
  // opens nothing and adds no listener until connect(), which only the effect below calls. StrictMode may call
  // this twice; the copy React drops was never connected, so it holds nothing.
  const [owned] = useState(() => (given === undefined && props.options !== undefined ? createClient(props.options) : undefined));
  const [batcher] = useState(() => createFrameBatcher(props.frameScheduler));
  const client = given ?? owned;
  if (client === undefined) throw new Error('<MqttProvider> needs a `client` or `options` prop.');

  // StrictMode runs an effect's cleanup and the effect again at once: the close waits a microtask, and the
  // second run takes it back, so the one connection survives. A real unmount closes it.
  const closing = useRef<{ cancelled: boolean } | undefined>(undefined);
  useEffect(() => {
    if (owned === undefined) return undefined;
    if (closing.current) closing.current.cancelled = true;
    closing.current = undefined;
    owned.connect().catch(ignore); // failures are in useMqttState().reason and the client's events
    return () => {
      const pending = { cancelled: false };
      closing.current = pending;
      queueMicrotask(() => {
        if (!pending.cancelled) void owned.close().catch(ignore);
      });
    };
  }, [owned]);

  const value = useMemo<MqttContextValue>(() => ({ client, batcher }), [client, batcher]);
  return createElement(MqttContext.Provider, { value }, props.children);
}
