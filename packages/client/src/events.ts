import type { ConnectionState } from './state-machine';
import type { WebMqttError } from './errors';
import type { Message } from './message';

/** Payload of the `state` event: every state change, with why and when the next attempt comes. */
export interface StateChange {
  previous: ConnectionState;
  current: ConnectionState;
  reason?: WebMqttError;
  /** The attempt number (1-based) being made or waited for. */
  attempt?: number;
  /** With `reconnecting`: how long until the next attempt. */
  retryInMs?: number;
}

/** Payload of the `queue` event. */
export interface QueueChange {
  size: number;
  bytes: number;
  /** How many messages this change dropped (overflow). */
  dropped?: number;
}

/**
 * Where this tab's connection lives. `'solo'`: this client holds its own connection (the default, and wherever tabs
 * cannot share one). With `shareAcrossTabs`, `'leader'` holds the shared connection and `'follower'` relays through it.
 */
export type ClientRole = 'leader' | 'follower' | 'solo';

/** Payload of the `role` event. */
export interface RoleChange {
  role: ClientRole;
}

/** Payload of the `packet` event. Credentials are redacted. */
export interface PacketTrace {
  direction: 'in' | 'out';
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
  state: (change: StateChange) => void;
  connect: (info: { sessionPresent: boolean }) => void;
  message: (message: Message) => void;
  error: (error: WebMqttError) => void;
  queue: (change: QueueChange) => void;
  packet: (trace: PacketTrace) => void;
  role: (change: RoleChange) => void;
}
