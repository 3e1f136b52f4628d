import type { BackoffPolicy } from '../connection/backoff';
import type { QueueLimits } from '../messaging/offline-queue';

// Plain literals rather than Object.freeze(): no call at module scope, so bundlers can drop what an app never reads.

/**
 * The reconnect policy when `reconnect` is `true` or leaves fields out (`maxDelayMs` is raised to `initialDelayMs`
 * when that is larger). The one copy: options.ts fills the `reconnect` option from it. Treat as read-only.
 */
export const DEFAULT_RECONNECT: Readonly<BackoffPolicy> = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 'full',
  maxAttempts: Infinity,
  resetAfterMs: 10_000,
};

/** The offline queue when `offlineQueue` is `true` or leaves fields out. The one copy, read by options.ts. Treat as read-only. */
export const DEFAULT_OFFLINE_QUEUE: Readonly<Required<QueueLimits>> = {
  maxMessages: 1_000,
  maxBytes: 1_048_576,
  overflow: 'drop-oldest',
  persist: false,
};
