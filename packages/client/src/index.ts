export { createClient, WebMqttClient } from './client';
export { WebMqttError, ErrorCode, isWebMqttError } from './errors';
export { backoffDelay } from './backoff';
export { matchTopic } from './topic-filter';
export type { ErrorCode as ErrorCodeValue, WebMqttErrorDetails } from './errors';
export type {
  ClientOptions,
  AuthOptions,
  ReconnectOptions,
  OfflineQueueOptions,
  WillOptions,
  TlsOptions,
  TokenProvider,
  TokenReason,
  TokenResult,
  TokenPlacement,
  UrlOption,
  QoS,
  TlsMaterial,
  TlsVersion,
} from './options';
export type { ClientEvents, StateChange, QueueChange, PacketTrace, ClientRole, RoleChange } from './events';
export type { Message } from './message';
export type { PublishOptions } from './publisher';
export type { SubscribeOptions, Subscription, MessageHandler } from './subscriptions';
export type { MessagesOptions } from './message-stream';
export type { RequestOptions, Responder, ResponderHandler } from './requests';
export type { ConnectionState } from './state-machine';
export type { JitterMode, BackoffPolicy } from './backoff';
export type { OverflowPolicy } from './offline-queue';
export type { Logger } from './logger';
export type { Clock } from './clock';
export type { BrowserSignals, BrowserSignal } from './browser-signals';
export type { MqttFactory, MqttFactoryContext, SocketWatcher } from './mqtt-factory';
