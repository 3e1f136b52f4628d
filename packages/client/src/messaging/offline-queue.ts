/**
 * What happens when a publish does not fit in the offline queue (by `maxMessages` or `maxBytes`).
 * Whatever the policy, every publish that is not delivered because of it rejects with `QUEUE_FULL`
 * and is counted in the `queue` event's `dropped`; the policies differ in *which* publishes those are:
 * - `'drop-oldest'` (default): the new publish is queued and the oldest queued ones are evicted until
 *   it fits. The queue always holds the latest publishes: freshest data wins (telemetry, live values).
 * - `'drop-newest'`: what is queued stays; each publish that does not fit is dropped on its own, and a
 *   later one that fits is still queued (a small message after a big one). The queue fills as far as
 *   it can with the earliest data; what it delivers may have gaps.
 * - `'reject'`: back-pressure without gaps. From the first publish that does not fit, every publish is
 *   refused, even one that would fit, until the queue has emptied (it is flushed on the next
 *   connection). What is queued is an unbroken run of `publish()` calls and the refused ones are all
 *   the calls after it, so publishing those again once connected keeps the broker's view in publish
 *   order (commands, event logs).
 *
 * A publish heavier than `maxBytes` on its own is refused whatever the policy, and does not start
 * `'reject'`'s refusal: no queue could ever hold it, so it says nothing about this queue being full.
 *
 * @example
 * ```ts
 * const client = createClient({ url, offlineQueue: { maxMessages: 100, overflow: 'reject' } });
 * client.publish('orders/new', order, { qos: 1 }).catch((e) => {
 *   if (isWebMqttError(e) && e.code === ErrorCode.QUEUE_FULL) retryWhenConnected(order);
 * });
 * ```
 */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

/** Bounds of the offline queue, in their normalised shape. */
export interface QueueLimits {
  /** Most publishes held at once. */
  maxMessages: number;
  /** Most payload bytes held at once; a single larger publish is never queued. */
  maxBytes: number;
  overflow: OverflowPolicy;
  /** Keep QoS 1/2 publishes in IndexedDB until acknowledged (the client's outbox; this queue only counts). */
  persist?: boolean;
}

/** Outcome of {@link OfflineQueue.push}. */
export interface PushResult<T> {
  /** The new item is in the queue. */
  accepted: boolean;
  /** Items that left because of this push, oldest first: evicted old ones, or the new item itself if refused. */
  dropped: T[];
}

/** Past this many consumed slots, the backing arrays are compacted. */
const COMPACT_AFTER = 1024;

/**
 * Bounded FIFO for publishes made while not connected, limited by count and
 * by bytes. Pure bookkeeping: it never resolves or rejects anything, it tells
 * the caller what was dropped so the caller can settle those promises.
 *
 * `shift()` is O(1) amortised: consumed slots are skipped with a head index
 * and compacted in bulk, instead of `Array.prototype.shift` moving every item.
 *
 * @example
 * ```ts
 * const queue = new OfflineQueue<Pending>({ maxMessages: 1000, maxBytes: 1 << 20, overflow: 'drop-oldest' });
 * const { accepted, dropped } = queue.push(pending, pending.payload.byteLength);
 * for (const old of dropped) old.reject(queueFullError());
 * ```
 */
export class OfflineQueue<T> {
  readonly #limits: QueueLimits;
  #items: T[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;
  /** `'reject'` only: a push did not fit, and the queue has not been empty since. */
  #refusing = false;

  constructor(limits: QueueLimits) {
    this.#limits = { ...limits };
  }

  /** Number of queued items. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Sum of the byte sizes of queued items. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Appends `item`, which weighs `bytes`, applying the overflow policy when it
   * does not fit (see {@link OverflowPolicy}). An item heavier than `maxBytes`
   * on its own is never accepted, whatever the policy, since evicting
   * everything still would not make room.
   *
   * @throws RangeError if `bytes` is negative or not finite (a bug in the caller).
   */
  push(item: T, bytes: number): PushResult<T> {
    checkBytes(bytes);
    const { maxMessages, maxBytes, overflow } = this.#limits;
    if (bytes > maxBytes || maxMessages < 1) return { accepted: false, dropped: [item] };
    const dropped: T[] = [];
    if (this.#refusing || !this.#fits(bytes)) {
      if (overflow !== 'drop-oldest') {
        // 'reject' goes on refusing until the queue empties, so nothing is queued behind a refused publish.
        this.#refusing = overflow === 'reject';
        return { accepted: false, dropped: [item] };
      }
      while (!this.#fits(bytes)) dropped.push(this.shift() as T);
    }
    this.#items.push(item);
    this.#sizes.push(bytes);
    this.#bytes += bytes;
    return { accepted: true, dropped };
  }

  /** Removes and returns the oldest item (push() evicts with it under `'drop-oldest'`). */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#bytes -= this.#sizes[this.#head]!;
    // Release the reference now so a consumed payload can be garbage collected before compaction.
    (this.#items as (T | undefined)[])[this.#head] = undefined;
    this.#head++;
    this.#compact();
    return item;
  }

  /** Removes the first queued occurrence of `item` (the outbox takes back a publish it could not keep). */
  remove(item: T): boolean {
    const index = this.#items.indexOf(item, this.#head);
    if (index < 0) return false;
    this.#bytes -= this.#sizes[index]!;
    this.#items.splice(index, 1);
    this.#sizes.splice(index, 1);
    this.#compact();
    return true;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const items = this.#items.slice(this.#head);
    this.#items = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#refusing = false;
    return items;
  }

  #fits(bytes: number): boolean {
    return this.size + 1 <= this.#limits.maxMessages && this.#bytes + bytes <= this.#limits.maxBytes;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#sizes = [];
      this.#head = 0;
      // Emptied: what 'reject' refused can no longer land behind anything still queued.
      this.#refusing = false;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }
}

function checkBytes(bytes: number): void {
  if (!(bytes >= 0) || !Number.isFinite(bytes)) {
    throw new RangeError(`OfflineQueue: bytes must be a finite number >= 0, got ${bytes}`);
  }
}
