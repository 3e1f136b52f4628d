import type { ConnectionState } from './state-machine';
import type { WebMqttError } from './errors';
import type { Message } from '../messaging/message';

/** Payload of the `state` event: every state change, with why and when the next attempt comes. */
export interface StateChange {
  /** The state the client left. */
  previous: ConnectionState;
  /** The state the client is now in. */
  current: ConnectionState;
  /** The error that caused the change (a failed attempt, a lost connection, giving up), when there was one. */
  reason?: WebMqttError;
  /** The attempt number (1-based) being made or waited for. */
  attempt?: number;
  /** With `reconnecting`: how long until the next attempt. */
  retryInMs?: number;
}

/** Payload of the `queue` event. */
export interface QueueChange {
  /** Publishes accepted but not yet sent (offline queue plus flow control). */
  size: number;
  /** Bytes those publishes hold, counting each one's payload bytes plus its topic's length. */
  bytes: number;
  /** How many messages this change dropped (overflow). */
  dropped?: number;
  /**
   * With `offlineQueue.persist`: how many publishes this change brought back from the persisted outbox (an earlier
   * page's unacknowledged QoS 1/2 publishes with the same clientId). Sent once, when the outbox has been read.
   */
  restored?: number;
  /** With `offlineQueue.persist`: this change dropped publishes because the browser's storage quota was exhausted. */
  quotaExceeded?: boolean;
  /**
   * With `offlineQueue.persist`: every publish restored from the outbox has settled (sent once, after `restored`).
   * `delivered` completed their QoS flow; `failed` were refused or dropped, each also reported on `error`.
   */
  restoredSettled?: {
    /** Restored publishes whose QoS flow completed. */
    delivered: number;
    /** Restored publishes refused by the broker or dropped by the overflow policy. */
    failed: number;
  };
}

/**
 * Where this tab's connection lives. `'solo'`: this client holds its own connection (the default, and wherever tabs
 * cannot share one). With `shareAcrossTabs`, `'leader'` holds the shared connection and `'follower'` relays through it.
 */
export type ClientRole = 'leader' | 'follower' | 'solo';

/** Payload of the `role` event. */
export interface RoleChange {
  /** The role this client has now. */
  role: ClientRole;
}

/** Payload of the `packet` event. Credentials are redacted. */
export interface PacketTrace {
  /** `'in'` for a packet received from the broker, `'out'` for one sent to it. */
  direction: 'in' | 'out';
  /** The MQTT packet as MQTT.js represents it (`cmd`, `topic`, `payload`, …), with credentials redacted. */
  packet: Record<string, unknown>;
}

/**
 * Every event the client emits, with the one object its listeners get.
 * @example
 * ```ts
 * const off = client.on('state', ({ current, retryInMs }) => console.log(current, retryInMs));
 * off();
 * ```
 */
export interface ClientEvents {
  /** Every change of `client.state`, with its reason and, while reconnecting, when the next attempt comes. */
  state: (change: StateChange) => void;
  /** Each CONNACK that connects the client; `sessionPresent` says whether the broker kept the previous session. */
  connect: (info: { sessionPresent: boolean }) => void;
  /** Every message received, whichever subscription it matches. */
  message: (message: Message) => void;
  /** Every failure worth knowing that is not a rejected promise: each failed attempt's reason, a handler that threw. */
  error: (error: WebMqttError) => void;
  /** The publishes waiting to be sent changed (queued, sent, dropped). */
  queue: (change: QueueChange) => void;
  /** Every MQTT packet sent or received, for debugging (credentials redacted); costs a copy per packet only while listened to. */
  packet: (trace: PacketTrace) => void;
  /** This client's role changed (with `shareAcrossTabs`: leader, follower or solo). */
  role: (change: RoleChange) => void;
}
