import { WebMqttError, type ErrorCode } from '../core/errors';
import type { QoS } from '../core/options';
import type { QueueChange } from '../core/events';
import type { ConnectionState } from '../core/state-machine';
import type { Message } from '../messaging/message';
import type { SubscribeOptions } from '../messaging/subscriptions';
import type { PublishRequest } from '../link/link';

/**
 * What tabs of one group say to each other. Every tab has an inbox channel (`<group>:<tab>`); the group channel
 * (`<group>`) carries what every tab hears: who leads, and the leader's state. Everything here survives the
 * structured clone a BroadcastChannel makes: plain objects, strings, numbers, Uint8Arrays.
 */

/** A WebMqttError as it crosses to another tab (a class does not survive the clone; its fields do). */
export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  reasonCode: number | undefined;
  field: string | undefined;
}

/** A received message as the leader forwards it: the fields of {@link Message}, its methods rebuilt on arrival. */
export interface WireMessage {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  properties: Record<string, unknown> | undefined;
}

export interface WireState {
  /** Counts the leader's state changes: a tab hears them on two channels (group and inbox), which keep no order between them. */
  seq: number;
  current: ConnectionState;
  reason: WireError | undefined;
  attempt: number | undefined;
  retryInMs: number | undefined;
}

/** A subscription a tab holds, by the tab's own id for it. */
export interface WireSubscription {
  id: number;
  filter: string;
  options: SubscribeOptions;
}

/** A publish a tab is waiting on, by the tab's own id for it. */
export interface WirePublish extends PublishRequest {
  id: number;
}

/** Tab to leader (the leader's inbox). `from` is the sending tab. */
export type ToLeader =
  /** Joining (or re-joining after a leader change): everything the tab has live, so the leader can take it over. */
  | { t: 'hello'; from: string; subs: WireSubscription[]; pubs: WirePublish[]; trace: boolean }
  | ({ t: 'sub'; from: string } & WireSubscription)
  | { t: 'unsub'; from: string; id: number }
  | ({ t: 'pub'; from: string } & WirePublish)
  | { t: 'connect'; from: string }
  | { t: 'drop'; from: string }
  | { t: 'trace'; from: string; on: boolean }
  /** The tab's client closed: its subscriptions go, its publishes are no one's business any more. */
  | { t: 'bye'; from: string }
  /** Everything a tab said in one turn, in order: one post (and one clone) instead of one per publish. */
  | { t: 'many'; from: string; list: ToLeader[] };

/** Leader to one tab (that tab's inbox). `leader` is the sending leader tab. */
export type ToTab =
  | { t: 'welcome'; leader: string; state: WireState; protocolVersion: 4 | 5; failure: WireError | undefined; sessionPresent: boolean | undefined }
  | { t: 'subbed'; leader: string; id: number; error: WireError | undefined }
  | { t: 'unsubbed'; leader: string; id: number }
  | { t: 'pubbed'; leader: string; id: number; error: WireError | undefined }
  /** Received messages, each with the ids of this tab's subscriptions it is for: one clone per tab, not per handler. */
  | { t: 'msgs'; leader: string; list: Array<{ m: WireMessage; subs: number[] }> }
  | { t: 'packet'; leader: string; direction: 'in' | 'out'; packet: Record<string, unknown> }
  /** Everything the leader said to the tab in one turn, in order. */
  | { t: 'many'; leader: string; list: ToTab[] };

/** On the group channel: every tab hears it. */
export type ToGroup =
  /** A tab took the leader lock (or answers `who`): tabs that relay elsewhere say hello to it. */
  | { t: 'leader'; leader: string }
  /** A tab joined and asks who leads. */
  | { t: 'who'; from: string }
  | { t: 'state'; leader: string; state: WireState; protocolVersion: 4 | 5 }
  | { t: 'connect'; leader: string; sessionPresent: boolean }
  | { t: 'error'; leader: string; error: WireError }
  /** The leader's `queue` event as it is (with persist: `restored`, `restoredSettled`, `quotaExceeded` too). */
  | { t: 'queue'; leader: string; change: QueueChange };

export function toWireError(error: WebMqttError): WireError {
  return { code: error.code, message: error.message, retryable: error.retryable, reasonCode: error.reasonCode, field: error.field };
}

export function fromWireError(error: WireError): WebMqttError {
  return new WebMqttError(error.code, error.message, { retryable: error.retryable, reasonCode: error.reasonCode, field: error.field });
}

export function toWireMessage(message: Message): WireMessage {
  const payload = message.payload;
  // A clone copies a view's whole buffer: a payload that is a slice of a larger frame goes as its own bytes.
  const own = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength ? payload : payload.slice();
  return { topic: message.topic, payload: own, qos: message.qos, retain: message.retain, dup: message.dup, properties: message.properties };
}

/** The channel names of a group: `webmqtt-tabs:` keeps them apart from an app's own channels. */
export function groupChannel(group: string): string {
  return `webmqtt-tabs:${group}`;
}

export function inboxChannel(group: string, tab: string): string {
  return `webmqtt-tabs:${group}:${tab}`;
}

/** The leader's inbox: what tabs send to the service running in the leader tab. */
export function leaderInbox(group: string, leader: string): string {
  return `webmqtt-tabs:${group}:${leader}:leader`;
}

/** The lock the leader holds while it leads; the others wait for it. */
export function leaderLock(group: string): string {
  return `webmqtt-tabs:${group}:leader`;
}

/** The lock a tab holds while its client is in the group: the leader learns from it that the tab went away. */
export function tabLock(group: string, tab: string): string {
  return `webmqtt-tabs:${group}:tab:${tab}`;
}
