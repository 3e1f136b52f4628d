import type { ClientRole } from '../core/events';
import type { WebMqttError } from '../core/errors';
import type { ConnectionState } from '../core/state-machine';
import type { MessageHandler, SubscribeOptions, Subscription } from '../messaging/subscriptions';
import type { Link, PublishRequest } from './link';

/**
 * A link whose code is a chunk of its own (the tab relay: apps that do not share never download it). Until it has
 * loaded the client is `idle` and alone; every call waits for it, in order.
 */
export class DeferredLink implements Link {
  private link: Link | undefined;
  private readonly ready: Promise<Link>;

  constructor(load: Promise<Link>) {
    this.ready = load.then((link) => (this.link = link));
  }

  get state(): ConnectionState {
    return this.link?.state ?? 'idle';
  }

  get protocolVersion(): 4 | 5 {
    return this.link?.protocolVersion ?? 5;
  }

  get role(): ClientRole {
    return this.link?.role ?? 'solo';
  }

  get lastFailure(): WebMqttError | undefined {
    return this.link?.lastFailure;
  }

  get queued(): { size: number; bytes: number } {
    return this.link?.queued ?? { size: 0, bytes: 0 };
  }

  connect(): Promise<void> {
    return this.ready.then((link) => link.connect());
  }

  close(): Promise<void> {
    return this.ready.then((link) => link.close());
  }

  publish(request: PublishRequest): Promise<void> {
    return this.ready.then((link) => link.publish(request));
  }

  subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    return this.ready.then((link) => link.subscribe(filter, handler, options));
  }

  dropSocket(): void {
    void this.ready.then((link) => link.dropSocket());
  }

  tracePackets(on: boolean): void {
    void this.ready.then((link) => link.tracePackets(on));
  }
}
