import type { MqttClient } from 'mqtt';
import { Connection } from '../connection/connection';
import { defaultMqttFactory } from '../connection/mqtt-factory';
import { systemClock } from '../core/clock';
import { ErrorCode, WebMqttError } from '../core/errors';
import type { ClientRole } from '../core/events';
import { silentLogger } from '../core/logger';
import type { NormalizedOptions } from '../core/options';
import type { ConnectionState } from '../core/state-machine';
import { createMessage } from '../messaging/message';
import { PacketLog } from '../messaging/packet-log';
import { redactPacket } from '../messaging/packet-trace';
import { Publisher } from '../messaging/publisher';
import { Subscriptions, type MessageHandler, type SubscribeOptions, type Subscription } from '../messaging/subscriptions';
import { withOutbox } from '../outbox/outbox-link';
import { defaultBrowserSignals } from '../platform/browser-signals';
import { failedError, type Link, type LinkEmit, type PublishRequest } from './link';

/**
 * QoS 2 messages in flight at once over MQTT 3.1.1, which has no Receive Maximum. Mosquitto (max_inflight_messages,
 * default 20) keeps at most this many inbound QoS 2 messages between PUBLISH and PUBREL per client; past it, it drops
 * the message yet answers PUBREC and PUBCOMP as if delivered (3.1.1 has no reason code to refuse with), so the publish
 * resolves and the message is gone. The publisher counts a message until its PUBCOMP, so never more than this is
 * unreleased at the broker. libmosquitto sends 20 at most too. QoS 1 is not held back: nothing is dropped there.
 */
const MQTT311_MAX_QOS2_IN_FLIGHT = 20;

/** The connection in this tab: MQTT.js, its reconnect layer, the publisher, the subscriptions and the packet log. */
export class LocalLink implements Link {
  private readonly connection: Connection;
  private readonly publisher: Publisher;
  private readonly subscriptions: Subscriptions;
  private readonly packets: PacketLog;
  private tracing = false;

  constructor(
    private readonly opts: NormalizedOptions,
    private readonly emit: LinkEmit,
    readonly role: ClientRole = 'solo',
  ) {
    const clock = opts.clock ?? systemClock;
    this.packets = new PacketLog((trace) => emit('packet', trace));
    this.publisher = new Publisher(opts.offlineQueue, (change) => emit('queue', change), clock);
    this.subscriptions = new Subscriptions((error, message) => {
      emit('error', new WebMqttError(ErrorCode.HANDLER_FAILED, `A message handler for "${message.topic}" threw; the client goes on (see cause).`, { cause: error, retryable: false }));
    });
    this.connection = new Connection(
      opts,
      {
        clock,
        factory: withOutbox(opts, this.publisher, opts.mqttFactory ?? defaultMqttFactory, emit),
        signals: opts.browserSignals === undefined ? defaultBrowserSignals() : opts.browserSignals,
        logger: opts.logger ?? silentLogger,
      },
      {
        state: (change) => emit('state', change),
        created: (mqtt) => this.attach(mqtt),
        connected: (info) => {
          const mqtt = this.connection.mqtt as MqttClient;
          const ids = info.protocolVersion === 5 && info.properties?.['subscriptionIdentifiersAvailable'] !== false;
          this.subscriptions.onConnected(mqtt, info.sessionPresent, ids);
          const aliasMax = info.properties?.['topicAliasMaximum'];
          const qos2Maximum = info.protocolVersion === 5 ? info.receiveMaximum : MQTT311_MAX_QOS2_IN_FLIGHT;
          this.publisher.resume(mqtt, info.receiveMaximum, typeof aliasMax === 'number' ? aliasMax : 0, qos2Maximum);
          emit('connect', { sessionPresent: info.sessionPresent });
        },
        disconnected: () => {
          this.publisher.pause();
          this.subscriptions.onDisconnected();
        },
        error: (error) => emit('error', error),
        pause: () => this.publisher.pause(),
        failed: (reason) => {
          const error = failedError(reason);
          this.publisher.rejectAll(error);
          this.subscriptions.rejectPending(error);
        },
        inFlight: () => this.publisher.inFlightCount,
        socket: (event) => (event === 'open' ? this.packets.opened() : this.packets.gone()),
      },
    );
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  get protocolVersion(): 4 | 5 {
    return this.connection.protocolVersion;
  }

  get lastFailure(): WebMqttError | undefined {
    return this.connection.lastFailure;
  }

  get queued(): { size: number; bytes: number } {
    return this.publisher.queued;
  }

  connect(): Promise<void> {
    return this.connection.connect();
  }

  /** `request` goes to the publisher as it is, with whatever it carries (a leader tab's `origin`: see tabs/leader.ts). */
  publish(request: PublishRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => this.publisher.submit({ ...request, resolve, reject }));
  }

  subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    return this.subscriptions.subscribe(filter, handler, options);
  }

  async close(): Promise<void> {
    if (this.connection.state === 'closed') return;
    const error = new WebMqttError(ErrorCode.CLIENT_CLOSED, 'The client was closed before this completed.');
    this.publisher.rejectAll(error);
    this.subscriptions.rejectPending(error);
    await this.connection.close();
  }

  dropSocket(): void {
    this.connection.dropSocket();
  }

  tracePackets(on: boolean): void {
    this.tracing = on;
  }

  private attach(mqtt: MqttClient): void {
    mqtt.on('message', (topic, _payload, packet) => {
      const message = createMessage(packet as never, topic);
      this.subscriptions.dispatch(message);
      this.emit('message', message);
    });
    const trace = (direction: 'in' | 'out') => (packet: unknown) => {
      // Tracing costs a copy per packet: only when someone listens.
      if (!this.tracing) return;
      this.packets.add({ direction, packet: redactPacket(packet as Record<string, unknown>, this.opts.auth?.placement === 'username') });
    };
    mqtt.on('packetsend', trace('out'));
    mqtt.on('packetreceive', trace('in'));
  }
}
