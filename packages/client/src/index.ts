export { createClient, WebMqttClient } from './client';
export { WebMqttError, ErrorCode, isWebMqttError } from './core/errors';
export { backoffDelay } from './connection/backoff';
export { matchTopic } from './messaging/topic-filter';
export type { ErrorCode as ErrorCodeValue, WebMqttErrorDetails } from './core/errors';
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
  ShareAcrossTabsOptions,
  TlsMaterial,
  TlsVersion,
} from './core/options';
export type { ClientEvents, StateChange, QueueChange, PacketTrace, ClientRole, RoleChange } from './core/events';
export type { Message } from './messaging/message';
export type { PublishOptions } from './messaging/publisher';
export type { SubscribeOptions, Subscription, MessageHandler } from './messaging/subscriptions';
export type { MessagesOptions } from './messaging/message-stream';
export type { RequestOptions, Responder, ResponderHandler } from './messaging/requests';
export type { ConnectionState } from './core/state-machine';
export type { JitterMode, BackoffPolicy } from './connection/backoff';
export type { OverflowPolicy } from './messaging/offline-queue';
export type { Logger } from './core/logger';
export type { Clock } from './core/clock';
export type { BrowserSignals, BrowserSignal } from './platform/browser-signals';
export type { TabPlatform, TabChannel, TabLocks, HeldLock } from './platform/tab-platform';
export type { MqttFactory, MqttFactoryContext, SocketWatcher } from './connection/mqtt-factory';
