import type { ClientRole, ConnectionState, StateChange, WebMqttClient, WebMqttError } from '@webmqtt/client';

/** What {@link useMqttState} returns: the last `state` event's fields and the client's role. */
export interface MqttState {
  state: ConnectionState;
  /** With `reconnecting`: how long until the next attempt (as the `state` event said it). */
  retryInMs?: number;
  /** The attempt (1-based) being made or waited for. */
  attempt?: number;
  /** Why the client left `connected`, or why an attempt failed. */
  reason?: WebMqttError;
  /** `'solo'`, or with `shareAcrossTabs` whether this tab holds the connection (`'leader'`) or relays (`'follower'`). */
  role: ClientRole;
}

/**
 * What the server renders and hydration starts from: no page ever connected there. After hydration React
 * re-renders with the client's own state, so the server's HTML and the first client render always agree.
 */
export const SERVER_STATE: MqttState = Object.freeze({ state: 'idle', role: 'solo' });

function fromChange(change: StateChange, role: ClientRole): MqttState {
  const next: MqttState = { state: change.current, role };
  if (change.retryInMs !== undefined) next.retryInMs = change.retryInMs;
  if (change.attempt !== undefined) next.attempt = change.attempt;
  if (change.reason !== undefined) next.reason = change.reason;
  return next;
}

/**
 * The client's state as an external store for useSyncExternalStore: one snapshot object per change (the same
 * object between changes, as React requires), shared by every component reading the same client.
 */
export class ConnectionStateStore {
  private snapshot: MqttState;
  private readonly listeners = new Set<() => void>();
  private detach: (() => void) | undefined;

  constructor(private readonly client: WebMqttClient) {
    this.snapshot = { state: client.state, role: client.role };
  }

  /** useSyncExternalStore's subscribe: the client's events are listened to while anyone listens here. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.attach();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.detach?.();
        this.detach = undefined;
      }
    };
  };

  readonly getSnapshot = (): MqttState => {
    // Nobody listening: events may have gone by unseen, so catch up with what the client says now.
    if (this.detach === undefined) this.catchUp();
    return this.snapshot;
  };

  private attach(): void {
    this.catchUp();
    const offState = this.client.on('state', (change) => this.set(fromChange(change, this.client.role)));
    const offRole = this.client.on('role', ({ role }) => {
      if (role !== this.snapshot.role) this.set({ ...this.snapshot, role });
    });
    this.detach = () => {
      offState();
      offRole();
    };
  }

  private catchUp(): void {
    const { state, role } = this.client;
    if (state !== this.snapshot.state || role !== this.snapshot.role) this.snapshot = state === this.snapshot.state ? { ...this.snapshot, role } : { state, role };
  }

  private set(next: MqttState): void {
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }
}

const stores = new WeakMap<WebMqttClient, ConnectionStateStore>();

/** The one store of `client` (created on first use, gone with the client). */
export function connectionStateStore(client: WebMqttClient): ConnectionStateStore {
  let store = stores.get(client);
  if (store === undefined) {
    store = new ConnectionStateStore(client);
    stores.set(client, store);
  }
  return store;
}
