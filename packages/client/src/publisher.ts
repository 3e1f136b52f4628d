import type { MqttClient } from 'mqtt';
import { ErrorCode, WebMqttError } from './errors';
import type { QueueChange } from './events';
import { OfflineQueue, type QueueLimits } from './offline-queue';
import type { QoS } from './options';

/** Options of `client.publish()`. */
export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5 PUBLISH properties (userProperties, contentType, messageExpiryInterval, …). */
  properties?: Record<string, unknown>;
}

/** One `publish()` call until its promise settles. */
export interface PendingPublish {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties: Record<string, unknown> | undefined;
  resolve(): void;
  reject(error: WebMqttError): void;
}

/**
 * The publish pipeline: straight to the socket while connected, a bounded offline queue while not,
 * and a window that never lets more QoS 1/2 messages be in flight than the broker's Receive Maximum.
 * Every publish settles exactly once.
 */
export class Publisher {
  private readonly offline: OfflineQueue<PendingPublish> | undefined;
  /** Accepted while connected (or carried over from the offline queue), waiting for a window slot; FIFO. */
  private waiting: PendingPublish[] = [];
  private waitingHead = 0;
  private waitingBytes = 0;
  private readonly inFlight = new Set<PendingPublish>();
  private window = 65_535;
  private mqtt: MqttClient | undefined;
  private open = false;
  private pumping = false;
  /** The size last reported in a `queue` event. */
  private announced = 0;

  constructor(limits: QueueLimits | false, private readonly onQueue: (change: QueueChange) => void) {
    this.offline = limits ? new OfflineQueue<PendingPublish>(limits) : undefined;
  }

  /** QoS 1/2 messages sent and not yet acknowledged. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Messages accepted but not yet handed to the socket. */
  get queued(): { size: number; bytes: number } {
    const waiting = this.waiting.length - this.waitingHead;
    return { size: waiting + (this.offline?.size ?? 0), bytes: this.waitingBytes + (this.offline?.bytes ?? 0) };
  }

  submit(item: PendingPublish): void {
    if (this.open) {
      this.pushWaiting(item);
      this.pump();
      return;
    }
    if (!this.offline) {
      item.reject(new WebMqttError(ErrorCode.CONNECTION_LOST, 'Not connected and the offline queue is disabled (offlineQueue: false); publish after the client is connected.'));
      return;
    }
    const { accepted, dropped } = this.offline.push(item, item.payload.byteLength + item.topic.length);
    for (const lost of dropped) {
      lost.reject(new WebMqttError(
        ErrorCode.QUEUE_FULL,
        lost === item
          ? 'The offline queue is full and this message was not accepted (offlineQueue.overflow); raise offlineQueue.maxMessages / maxBytes or wait for the connection.'
          : 'The offline queue was full and this older message was dropped to make room (offlineQueue.overflow "drop-oldest").',
      ));
    }
    if (accepted || dropped.length > 0) this.emitQueue(dropped.length);
  }

  /** After CONNACK: everything queued goes out in order, within the broker's window. */
  resume(mqtt: MqttClient, receiveMaximum: number): void {
    this.mqtt = mqtt;
    this.window = Math.max(1, receiveMaximum);
    this.open = true;
    if (this.offline && this.offline.size > 0) {
      for (const item of this.offline.drain()) this.pushWaiting(item);
      this.emitQueue();
    }
    this.pump();
  }

  /** The socket is gone or a planned reconnect is draining: new publishes queue. */
  pause(): void {
    this.open = false;
  }

  /** Rejects every message not yet acknowledged: waiting, queued and in flight. */
  rejectAll(error: WebMqttError): void {
    this.open = false;
    const all = [...this.inFlight, ...this.waiting.slice(this.waitingHead), ...(this.offline?.drain() ?? [])];
    this.inFlight.clear();
    this.waiting = [];
    this.waitingHead = 0;
    this.waitingBytes = 0;
    for (const item of all) item.reject(error);
    if (all.length > 0) this.emitQueue();
  }

  private pushWaiting(item: PendingPublish): void {
    this.waiting.push(item);
    this.waitingBytes += item.payload.byteLength + item.topic.length;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.open && this.waitingHead < this.waiting.length) {
        const next = this.waiting[this.waitingHead] as PendingPublish;
        if (next.qos > 0 && this.inFlight.size >= this.window) break;
        this.waitingHead++;
        this.waitingBytes -= next.payload.byteLength + next.topic.length;
        this.send(next);
      }
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitingHead);
        this.waitingHead = 0;
      }
      // Tell listeners once the backlog they were told about has gone out (not on every message).
      if (this.announced > 0 && this.waitingHead === this.waiting.length && (this.offline?.size ?? 0) === 0) this.emitQueue();
    } finally {
      this.pumping = false;
    }
  }

  private send(item: PendingPublish): void {
    const mqtt = this.mqtt as MqttClient;
    if (item.qos > 0) this.inFlight.add(item);
    const options: Record<string, unknown> = { qos: item.qos, retain: item.retain };
    if (item.properties) options['properties'] = item.properties;
    mqtt.publish(item.topic, item.payload as never, options, (error?: Error & { code?: unknown }) => {
      const wasInFlight = this.inFlight.delete(item);
      if (item.qos > 0 && !wasInFlight) return; // already rejected by rejectAll()
      if (!error) {
        item.resolve();
      } else if (typeof error.code === 'number') {
        item.reject(new WebMqttError(ErrorCode.PUBLISH_REJECTED, `The broker rejected the publish to "${item.topic}" (reason code 0x${error.code.toString(16)}).`, { reasonCode: error.code, cause: error }));
      } else {
        // Written into a socket that died: not delivered, so it goes back to the head of the line.
        this.waiting.splice(this.waitingHead, 0, item);
        this.waitingBytes += item.payload.byteLength + item.topic.length;
      }
      this.pump();
    });
  }

  private emitQueue(dropped = 0): void {
    const { size, bytes } = this.queued;
    this.announced = size;
    this.onQueue(dropped > 0 ? { size, bytes, dropped } : { size, bytes });
  }
}
