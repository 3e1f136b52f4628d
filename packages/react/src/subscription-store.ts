import { ErrorCode, WebMqttError, isWebMqttError, type Message, type QoS, type Subscription, type WebMqttClient } from '@webmqtt/client';
import { backlogLimit, catchUpStep } from './catch-up';
import type { FrameBatcher, Flushable } from './frame-batcher';

/** What {@link useSubscription} returns. */
export interface SubscriptionResult {
  /**
   * The newest message shown, or undefined before the first: always the last of `messages`. While a list catches
   * up after a stall it is the newest released so far, at most a few frames behind the newest received.
   */
  message: Message | undefined;
  /** The last `keep` messages, oldest first (the newest is `message`). */
  messages: readonly Message[];
  /** Why there is no subscription: INVALID_TOPIC for a bad filter, SUBSCRIBE_REJECTED, CLIENT_CLOSED, … */
  error: WebMqttError | undefined;
  /** The broker acknowledged the subscription (its SUBACK came). */
  subscribed: boolean;
}

/** What one attachment subscribes to; a snapshot belongs to exactly one. */
export interface SubscriptionTarget {
  client: WebMqttClient;
  filter: string;
  qos: QoS | undefined;
}

/** A result and the subscription it belongs to. */
export interface SubscriptionSnapshot {
  target: SubscriptionTarget | undefined;
  result: SubscriptionResult;
}

const NO_MESSAGES: readonly Message[] = Object.freeze([]);

/** No subscription (yet): also what the server renders. */
export const EMPTY_RESULT: SubscriptionResult = Object.freeze({ message: undefined, messages: NO_MESSAGES, error: undefined, subscribed: false });

export const EMPTY_SNAPSHOT: SubscriptionSnapshot = Object.freeze({ target: undefined, result: EMPTY_RESULT });

const sameTarget = (a: SubscriptionTarget | undefined, b: SubscriptionTarget): boolean =>
  a !== undefined && a.client === b.client && a.filter === b.filter && a.qos === b.qos;

const ignore = (): void => {};

/** A positive integer `keep`, or the INVALID_OPTIONS error the hook returns instead of subscribing. */
export function checkKeep(keep: unknown): WebMqttError | undefined {
  if (typeof keep === 'number' && Number.isInteger(keep) && keep >= 1) return undefined;
  return new WebMqttError(ErrorCode.INVALID_OPTIONS, `useSubscription: keep must be a whole number of messages >= 1 (got ${typeof keep === 'number' ? String(keep) : typeof keep}).`, { retryable: false });
}

/**
 * One component's subscription as an external store. Messages wait in a buffer until the provider's frame comes;
 * then one new snapshot, one notification, one render. A frame releases at most `keep` of them, so each one is in
 * a rendered list; a backlog (after a stall) is shown over the next frames (catch-up.ts). The client does the
 * ref-counting (many subscriptions to a filter, one SUBSCRIBE), so each attachment subscribes on its own.
 */
export class SubscriptionStore implements Flushable {
  private snapshot: SubscriptionSnapshot = EMPTY_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  private buffer: Message[] = [];
  private keep = 1;
  private batcher: FrameBatcher | undefined;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SubscriptionSnapshot => this.snapshot;

  /** How many messages to keep; read at the next flush. */
  setKeep(keep: number): void {
    this.keep = keep;
  }

  /**
   * Subscribes `target.filter`; returns the detach function (an effect's cleanup). A pending subscribe cannot be
   * called off, so detaching before the SUBACK unsubscribes when it comes, and the handler ignores what arrives
   * meanwhile: StrictMode's mount-unmount-mount ends with one live handler and one SUBSCRIBE on the wire.
   */
  attach(target: SubscriptionTarget, batcher: FrameBatcher): () => void {
    this.batcher = batcher;
    // Remounting the same subscription (StrictMode, a hidden Activity shown again) keeps what it had.
    if (!sameTarget(this.snapshot.target, target)) this.set(target, EMPTY_RESULT);
    let live = true;
    const handler = (message: Message): void => {
      if (!live) return;
      this.buffer.push(message);
      // Bounded while no frame comes (a hidden tab): only the last backlogLimit() can ever be shown. Cut in steps of
      // keep + 64, so the copy is amortised over that many messages.
      const limit = backlogLimit(this.keep);
      if (this.buffer.length >= limit + this.keep + 64) this.buffer = this.buffer.slice(-limit);
      batcher.schedule(this);
    };
    const options = target.qos === undefined ? {} : { qos: target.qos };
    const subscription: Promise<Subscription> = target.client.subscribe(target.filter, handler, options);
    subscription.then(
      () => {
        if (live) this.update({ subscribed: true, error: undefined });
      },
      (error: unknown) => {
        if (live) this.update({ subscribed: false, error: asError(error) });
      },
    );
    return () => {
      live = false;
      batcher.cancel(this);
      this.buffer = [];
      subscription.then((sub) => sub.unsubscribe().catch(ignore), ignore);
    };
  }

  /** The frame came: up to `keep` buffered messages become one snapshot; the rest ask for the next frame. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const { shown, waiting } = catchUpStep(this.snapshot.result.messages, this.buffer, this.keep);
    this.buffer = waiting;
    if (waiting.length > 0) this.batcher?.schedule(this);
    this.update({ messages: shown, message: shown[shown.length - 1] });
  }

  private update(change: Partial<SubscriptionResult>): void {
    this.set(this.snapshot.target, { ...this.snapshot.result, ...change });
  }

  private set(target: SubscriptionTarget | undefined, result: SubscriptionResult): void {
    this.snapshot = { target, result };
    for (const listener of [...this.listeners]) listener();
  }
}

function asError(error: unknown): WebMqttError {
  if (isWebMqttError(error)) return error;
  return new WebMqttError(ErrorCode.SUBSCRIBE_REJECTED, 'The subscription failed (see cause).', { cause: error, retryable: false });
}

/** The snapshot as the hook returns it: someone else's (a previous filter's) messages are never shown. */
export function resultFor(snapshot: SubscriptionSnapshot, target: SubscriptionTarget): SubscriptionResult {
  return sameTarget(snapshot.target, target) ? snapshot.result : EMPTY_RESULT;
}
