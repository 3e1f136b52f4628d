import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { QoS } from '@webmqtt/client';
import { useMqttContext } from './mqtt-context';
import { checkKeep, EMPTY_RESULT, EMPTY_SNAPSHOT, resultFor, SubscriptionStore, type SubscriptionResult, type SubscriptionSnapshot } from './subscription-store';

/** Options of {@link useSubscription}. */
export interface UseSubscriptionOptions {
  /** QoS of the subscription. Default 0. */
  qos?: QoS;
  /**
   * How many of the last messages `messages` holds. Default 1. A frame adds at most `keep` messages, so each one
   * it adds is rendered; more than `keep` waiting (after a stall: a long task, GC) are shown over the next frames,
   * and beyond 8 × `keep` waiting at once the oldest are dropped, so a list is never more than 8 frames behind.
   * `keep: 1` (a single value) shows the newest message every frame and never lags.
   */
  keep?: number;
}

const serverSnapshot = (): SubscriptionSnapshot => EMPTY_SNAPSHOT;

/**
 * Subscribes while the component is mounted; re-subscribes when `filter` or `qos` changes (`null` or `undefined`:
 * no subscription). Components on one filter share one SUBSCRIBE on the wire. Messages are handed to React at
 * most once per animation frame, so a burst renders once. With `keep` ≥ 2 a frame adds at most `keep` messages to
 * `messages`: after a stall (a long task, GC) the backlog is shown over the next frames, so a list misses no
 * message unless more than 8 × `keep` wait for a frame at once (then the oldest are dropped) and is never more than
 * 8 frames behind. `keep: 1` shows the newest message every frame. To act on every single message, subscribe with
 * `useMqttClient().subscribe()` in an effect.
 * A bad filter is not thrown: it comes back as `error` (INVALID_TOPIC).
 * @example
 * ```tsx
 * const { message, messages, error } = useSubscription('sensors/+/temperature', { qos: 1, keep: 50 });
 * if (error) return <p>{error.code}</p>;
 * return <ul>{messages.map((m, i) => <li key={i}>{m.topic}: {m.text()}</li>)}</ul>;
 * ```
 */
export function useSubscription(filter: string | null | undefined, options: UseSubscriptionOptions = {}): SubscriptionResult {
  const { client, batcher } = useMqttContext('useSubscription');
  const { qos, keep = 1 } = options;
  const [store] = useState(() => new SubscriptionStore());
  const keepError = useMemo(() => {
    const error = checkKeep(keep);
    return error === undefined ? undefined : { ...EMPTY_RESULT, error };
  }, [keep]);
  const active = typeof filter === 'string' && keepError === undefined;

  // Before the subscription's effect, so a first flush already knows it.
  useEffect(() => {
    if (keepError === undefined) store.setKeep(keep);
  }, [store, keep, keepError]);
  useEffect(() => {
    if (!active) return undefined;
    return store.attach({ client, filter, qos }, batcher);
  }, [store, client, batcher, filter, qos, active]);

  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, serverSnapshot);
  if (keepError) return keepError;
  if (!active) return EMPTY_RESULT;
  return resultFor(snapshot, { client, filter, qos });
}
