import type { Message } from './message';
import type { SubscribeOptions, Subscription } from './subscriptions';

/** Options of `client.messages()`. */
export interface MessagesOptions extends SubscribeOptions {
  /** Ends the iteration and unsubscribes. */
  signal?: AbortSignal | undefined;
}

/**
 * An async iterator over a subscription. Messages arriving faster than the loop consumes them
 * are buffered in order; `break`, `return()` or the signal end it and unsubscribe.
 */
export function messageStream(
  subscribe: (handler: (message: Message) => void) => Promise<Subscription>,
  options: MessagesOptions,
): AsyncIterableIterator<Message> {
  const buffer: Message[] = [];
  let wake: ((result: IteratorResult<Message>) => void) | undefined;
  let fail: ((error: unknown) => void) | undefined;
  let ended = false;
  let failure: unknown;
  let subscription: Subscription | undefined;
  const signal = options.signal;

  const finish = (): void => {
    if (ended) return;
    ended = true;
    // Done means done: nothing buffered is handed out after return() or abort.
    buffer.length = 0;
    signal?.removeEventListener('abort', finish);
    void subscription?.unsubscribe();
    wake?.({ value: undefined, done: true });
    wake = undefined;
    fail = undefined;
  };

  const ready = subscribe((message) => {
    if (ended) return;
    if (wake) {
      const resolve = wake;
      wake = undefined;
      fail = undefined;
      resolve({ value: message, done: false });
    } else {
      buffer.push(message);
    }
  }).then(
    (sub) => {
      subscription = sub;
      if (ended) void sub.unsubscribe();
    },
    (error: unknown) => {
      failure = error;
      fail?.(error);
      ended = true;
    },
  );

  if (signal?.aborted) finish();
  else signal?.addEventListener('abort', finish);

  const iterator: AsyncIterableIterator<Message> = {
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as Message, done: false });
      if (failure !== undefined) return Promise.reject(failure);
      // An aborted signal ends the loop normally: stopping is what the caller asked for.
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise<IteratorResult<Message>>((resolve, reject) => {
        wake = resolve;
        fail = reject;
      });
    },
    async return() {
      finish();
      await ready;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
