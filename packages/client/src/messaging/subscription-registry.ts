/** A live subscription on the wire and how many local subscribers share it. */
export interface SubscriptionEntry<O> {
  /** The filter exactly as sent in SUBSCRIBE (a `$share/...` filter is its own entry). */
  filter: string;
  /** The options the wire subscription currently has. */
  options: O;
  /** Local subscribers sharing it. */
  refs: number;
}

/** What {@link SubscriptionRegistry.acquire} asks the caller to do. */
export interface AcquireResult {
  /** First subscriber of this filter: send SUBSCRIBE. */
  first: boolean;
  /** Already subscribed, but with weaker options: send SUBSCRIBE again with the stored (stronger) options. */
  upgrade: boolean;
}

/**
 * Decides whether `requested` options need a fresh SUBSCRIBE on top of the
 * `current` ones (e.g. a higher QoS). Return true to replace `current`.
 */
export type UpgradeComparator<O> = (current: O, requested: O) => boolean;

/**
 * Upgrade comparator for options carrying an MQTT `qos`: a higher QoS than the
 * current one needs a new SUBSCRIBE, a lower or equal one does not.
 *
 * @example
 * ```ts
 * const registry = new SubscriptionRegistry<{ qos: 0 | 1 | 2 }>(higherQos);
 * ```
 */
export function higherQos(current: { qos?: number }, requested: { qos?: number }): boolean {
  return (requested.qos ?? 0) > (current.qos ?? 0);
}

/**
 * Reference counts subscriptions, so several `subscribe()` calls on one filter
 * share a single SUBSCRIBE on the wire, and the UNSUBSCRIBE goes out only when
 * the last of them is released. The registry only counts; sending packets is
 * the caller's job.
 *
 * If a SUBSCRIBE fails, the caller must {@link SubscriptionRegistry.release} what it acquired.
 * Options only ever go up: after the subscriber that asked for QoS 2 leaves,
 * the wire subscription stays at QoS 2 until the last one leaves.
 *
 * @example
 * ```ts
 * const { first, upgrade } = registry.acquire(filter, { qos });
 * if (first || upgrade) await sendSubscribe(filter, registry.get(filter)!.options);
 * // later
 * if (registry.release(filter).last) await sendUnsubscribe(filter);
 * ```
 */
export class SubscriptionRegistry<O> {
  readonly #entries = new Map<string, SubscriptionEntry<O>>();
  readonly #isUpgrade: UpgradeComparator<O> | undefined;

  /** @param isUpgrade - when given, decides whether a later acquire() needs a re-SUBSCRIBE. */
  constructor(isUpgrade?: UpgradeComparator<O>) {
    this.#isUpgrade = isUpgrade;
  }

  /** Adds a subscriber to `filter`; `first` means the caller sends SUBSCRIBE. */
  acquire(filter: string, options: O): AcquireResult {
    const entry = this.#entries.get(filter);
    if (entry === undefined) {
      this.#entries.set(filter, { filter, options, refs: 1 });
      return { first: true, upgrade: false };
    }
    entry.refs++;
    if (this.#isUpgrade?.(entry.options, options)) {
      entry.options = options;
      return { first: false, upgrade: true };
    }
    return { first: false, upgrade: false };
  }

  /**
   * Removes a subscriber from `filter`; `last` means the caller sends
   * UNSUBSCRIBE. Releasing a filter that is not held is a no-op (`last: false`),
   * so a double unsubscribe() cannot send a stray UNSUBSCRIBE.
   */
  release(filter: string): { last: boolean } {
    const entry = this.#entries.get(filter);
    if (entry === undefined) return { last: false };
    entry.refs--;
    if (entry.refs > 0) return { last: false };
    this.#entries.delete(filter);
    return { last: true };
  }

  /** Whether `filter` has at least one subscriber. */
  has(filter: string): boolean {
    return this.#entries.has(filter);
  }

  /** A copy of the entry for `filter`, if subscribed. */
  get(filter: string): SubscriptionEntry<O> | undefined {
    const entry = this.#entries.get(filter);
    return entry && { ...entry };
  }

  /**
   * Copies of the live subscriptions in the order they were first acquired,
   * e.g. to subscribe again after a reconnect without a session.
   */
  entries(): SubscriptionEntry<O>[] {
    return [...this.#entries.values()].map((entry) => ({ ...entry }));
  }
}
