import { ErrorCode, WebMqttError } from '../core/errors';
import type { ClientEvents, ClientRole } from '../core/events';
import type { QoS } from '../core/options';
import { STATE_TABLE, type ConnectionState } from '../core/state-machine';
import type { MessageHandler, SubscribeOptions, Subscription } from '../messaging/subscriptions';

/** A publish as the client validated it: the payload already bytes. */
export interface PublishRequest {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties: Record<string, unknown> | undefined;
}

/** How a link emits the client's events. */
export type LinkEmit = <E extends keyof ClientEvents>(event: E, payload: Parameters<ClientEvents[E]>[0]) => void;

/**
 * The seam between the public client and where its connection lives: in this tab ({@link LocalLink}) or in the
 * leader tab of a group (the shared link of tabs/). The client validates every call and hands it here; a link keeps
 * the semantics the client documents (publish settles when the QoS flow completes, handlers get their own filter's
 * messages, `state` events, …) whichever side holds the socket.
 */
export interface Link {
  readonly state: ConnectionState;
  readonly protocolVersion: 4 | 5;
  readonly role: ClientRole;
  /** Why the link last ended in `failed`. */
  readonly lastFailure: WebMqttError | undefined;
  readonly queued: { size: number; bytes: number };
  connect(): Promise<void>;
  /** Rejects whatever waits with CLIENT_CLOSED, sends DISCONNECT, ends every timer and listener. Idempotent. */
  close(): Promise<void>;
  publish(request: PublishRequest): Promise<void>;
  subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription>;
  /** Breaks the socket as a network failure would (demo, tests). */
  dropSocket(): void;
  /** Whether anyone listens to `packet` (tracing costs a copy per packet, so it runs only then). */
  tracePackets(on: boolean): void;
}

/** What a publish or subscribe gets while the client is `failed`: the failure's code, and what to do. */
export function failedError(reason: WebMqttError): WebMqttError {
  return new WebMqttError(reason.code, `The client gave up connecting (${reason.message}); call connect() to start again.`, {
    cause: reason,
    retryable: false,
    reasonCode: reason.reasonCode,
  });
}

/** The error a new publish or subscribe gets in a state that takes none (the table's terminal states), or undefined. */
export function refusal(state: ConnectionState, lastFailure: WebMqttError | undefined): WebMqttError | undefined {
  const info = STATE_TABLE[state];
  if (info.queuesPublishes || info.sendsDirectly) return undefined;
  if (state === 'failed' && lastFailure) return failedError(lastFailure);
  return new WebMqttError(ErrorCode.CLIENT_CLOSED, 'This client was closed; create a new one with createClient().');
}
