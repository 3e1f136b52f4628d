/**
 * Where a client is in its life: `idle` (created), `connecting`, `connected`, `reconnecting` (waiting
 * `retryInMs` before the next attempt), `offline` (the browser is offline), `closed` (after `close()`; terminal)
 * or `failed` (gave up; `connect()` starts again).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed' | 'failed';

/**
 * What a state means for the rest of the client. Each flag has its readers: this table is the one place the rule is
 * written, the code asks it.
 */
export interface StateInfo {
  /** No further attempts happen on their own: only `connect()` (from `failed`) leaves it. Entering one stops every timer. */
  terminal: boolean;
  /** `publish()` goes into the offline queue instead of being rejected (the link's refusal asks). */
  queuesPublishes: boolean;
  /**
   * `publish()` goes straight to the socket. Leaving such a state pauses the publisher and the subscriptions (the
   * connection's setState); the CONNACK that enters one resumes them.
   */
  sendsDirectly: boolean;
  /** A connection attempt is under way or scheduled (the backoff counter is live): going offline abandons it. */
  attempts: boolean;
}

/**
 * The connection lifecycle as data: per state, its properties and the states
 * it may move to. Every state change in the client goes through
 * {@link transition}, so an impossible change is caught where it happens.
 *
 * Choices worth knowing:
 * - A lost connection goes `connected -> reconnecting` (a delay, `retryInMs`),
 *   then `reconnecting -> connecting`.
 * - A *planned* reconnect with no delay (token refresh before expiry, switching
 *   cluster node on purpose) goes straight `connected -> connecting`: nothing was
 *   lost and there is no wait to announce.
 * - A retry inside one attempt (protocol 5 -> 4 fallback, next URL of a list
 *   tried at once) stays in `connecting`: self-transitions are illegal so that
 *   every `state` event really is a change.
 * - `connect()` while the browser reports offline goes straight from `idle`
 *   (or `failed`) to `offline`: no attempt is made that is bound to fail.
 * - `idle` queues publishes: publishing before `connect()` is allowed.
 * - `failed` rejects publishes (the client gave up) but `connect()` may leave it.
 */
export const STATE_TABLE: {
  readonly [S in ConnectionState]: Readonly<StateInfo> & { readonly next: readonly ConnectionState[] };
} = {
  idle: {
    terminal: false,
    queuesPublishes: true,
    sendsDirectly: false,
    attempts: false,
    next: ['connecting', 'offline', 'closed'],
  },
  connecting: {
    terminal: false,
    queuesPublishes: true,
    sendsDirectly: false,
    attempts: true,
    next: ['connected', 'reconnecting', 'offline', 'failed', 'closed'],
  },
  connected: {
    terminal: false,
    queuesPublishes: false,
    sendsDirectly: true,
    attempts: false,
    next: ['reconnecting', 'connecting', 'offline', 'failed', 'closed'],
  },
  reconnecting: {
    terminal: false,
    queuesPublishes: true,
    sendsDirectly: false,
    attempts: true,
    next: ['connecting', 'offline', 'failed', 'closed'],
  },
  offline: {
    terminal: false,
    queuesPublishes: true,
    sendsDirectly: false,
    attempts: false,
    next: ['connecting', 'reconnecting', 'failed', 'closed'],
  },
  failed: {
    terminal: true,
    queuesPublishes: false,
    sendsDirectly: false,
    attempts: false,
    next: ['connecting', 'offline', 'closed'],
  },
  closed: {
    terminal: true,
    queuesPublishes: false,
    sendsDirectly: false,
    attempts: false,
    next: [],
  },
};

/** Whether the lifecycle allows going from `from` to `to`. Never true for `from === to`. */
export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  // hasOwn so a stray value like 'constructor' cannot reach Object.prototype.
  return Object.hasOwn(STATE_TABLE, from) && STATE_TABLE[from].next.includes(to);
}

/**
 * Checks a state change against {@link STATE_TABLE} and returns the new state.
 * Throws a plain `Error` for an illegal change: that is a bug in the client,
 * never something a user can cause, so it is deliberately not a WebMqttError.
 *
 * @example
 * ```ts
 * this.state = transition(this.state, 'reconnecting');
 * ```
 */
export function transition(from: ConnectionState, to: ConnectionState): ConnectionState {
  if (!canTransition(from, to)) throw new Error(`illegal transition ${from} -> ${to}`);
  return to;
}
