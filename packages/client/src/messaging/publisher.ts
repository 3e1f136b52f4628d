import type { MqttClient } from 'mqtt';
import { schedulingClock, type Clock, type SchedulingClock } from '../core/clock';
import { ErrorCode, WebMqttError } from '../core/errors';
import type { QueueChange } from '../core/events';
import { nextTurn, type NextTurn } from '../core/next-turn';
import { OfflineQueue, type QueueLimits } from './offline-queue';
import type { QoS } from '../core/options';

/** Options of `client.publish()`. */
export interface PublishOptions {
  /** The QoS to publish with. Default 0. */
  qos?: QoS | undefined;
  /** Ask the broker to retain the message for future subscribers. Default false. */
  retain?: boolean | undefined;
  /** MQTT 5 PUBLISH properties (userProperties, contentType, messageExpiryInterval, …). */
  properties?: Record<string, unknown> | undefined;
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
 * Messages handed to MQTT.js per event-loop turn, so a long burst does not hold the thread (and the
 * messages arriving meanwhile) for its whole length. WebSocket message size is bounded below
 * MQTT.js (see batching-socket.ts), not by this.
 */
const BURST = 256;

const PLAIN_OPTIONS: Record<QoS, [Record<string, unknown>, Record<string, unknown>]> = {
  0: [{ qos: 0, retain: false }, { qos: 0, retain: true }],
  1: [{ qos: 1, retain: false }, { qos: 1, retain: true }],
  2: [{ qos: 2, retain: false }, { qos: 2, retain: true }],
};

/**
 * The publish pipeline: straight to the socket while connected, a bounded offline queue while not,
 * and a window that never lets more QoS 1/2 messages be in flight than the broker's Receive Maximum.
 * Every publish settles exactly once.
 */
export class Publisher {
  /** The offline queue (undefined with offlineQueue: false); the persisted outbox takes publishes back out of it. */
  readonly offline: OfflineQueue<PendingPublish> | undefined;
  // #private: #mqtt reaches MQTT.js's options.password, which JSON.stringify and util.inspect must not; the rest are
  // #private too, which the minifier shortens.
  /** Accepted while connected (or carried over from the offline queue), waiting for a window slot; FIFO. */
  #waiting: PendingPublish[] = [];
  #waitingHead = 0;
  #waitingBytes = 0;
  readonly #inFlight = new Set<PendingPublish>();
  /** QoS 0 runs handed to MQTT.js whose write has not been confirmed yet. */
  readonly #writing = new Set<PendingPublish[]>();
  #window = 65_535;
  /** QoS 2 messages between PUBLISH and PUBCOMP, and how many of those the broker takes (see resume()). */
  #inFlightQos2 = 0;
  #qos2Window = 65_535;
  /** The broker's Topic Alias Maximum from the last CONNACK (0: aliases not allowed). */
  #topicAliasMaximum = 0;
  #mqtt: MqttClient | undefined;
  /**
   * Publishes go straight to MQTT.js. Not a rule of its own but what the connection said last: resume() when its state
   * became one where STATE_TABLE says publishes go straight out (the CONNACK), pause() when it left it or while a
   * token refresh drains (the one condition the table cannot know). A send that finds the socket gone clears it too,
   * until the next resume(): the connection hears of the loss a moment later.
   */
  #sending = false;
  #pumping = false;
  /** A pump is due at the end of this task: every publish() of one synchronous loop goes out together. */
  #pumpDue = false;
  /** Cancels the pump scheduled for the next turn after a full burst. */
  #cancelTurn: (() => void) | undefined;
  readonly #turn: NextTurn;
  readonly #microtask: SchedulingClock;
  /** The size last reported in a `queue` event (the outbox reports one of its own: outbox/outbox.ts). */
  announced = 0;
  /** With offlineQueue.persist, set by the outbox once open (outbox/outbox.ts): sees each publish as accepted, records QoS 1/2. */
  track: ((item: PendingPublish) => void) | undefined;

  readonly #onQueue: (change: QueueChange) => void;

  constructor(limits: QueueLimits | false, onQueue: (change: QueueChange) => void, clock: Clock) {
    this.#onQueue = onQueue;
    this.offline = limits ? new OfflineQueue<PendingPublish>(limits) : undefined;
    this.#turn = nextTurn(clock);
    this.#microtask = schedulingClock(clock);
  }

  /** QoS 1/2 messages sent and not yet acknowledged. */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Messages accepted but not yet handed to the socket. */
  get queued(): { size: number; bytes: number } {
    const waiting = this.#waiting.length - this.#waitingHead;
    return { size: waiting + (this.offline?.size ?? 0), bytes: this.#waitingBytes + (this.offline?.bytes ?? 0) };
  }

  submit(item: PendingPublish): void {
    this.track?.(item);
    if (this.#sending) {
      this.#pushWaiting(item);
      // Not at once: a loop of publish() calls would hand MQTT.js one run per message, each with its
      // own callback, and MQTT.js adds a `drain` listener per callback (removal is quadratic).
      if (!this.#pumpDue) {
        this.#pumpDue = true;
        this.#microtask.queueMicrotask(() => {
          this.#pumpDue = false;
          this.#pump();
        });
      }
      return;
    }
    if (!this.offline) {
      item.reject(new WebMqttError(ErrorCode.CONNECTION_LOST, 'Not connected and the offline queue is disabled (offlineQueue: false); publish after the client is connected.'));
      return;
    }
    this.#emitQueue(this.enqueue(item));
  }

  /** Into the offline queue, rejecting whatever the overflow policy gives up; returns how many that was. */
  enqueue(item: PendingPublish): number {
    const { dropped } = (this.offline as OfflineQueue<PendingPublish>).push(item, item.payload.byteLength + item.topic.length);
    for (const lost of dropped) {
      lost.reject(new WebMqttError(
        ErrorCode.QUEUE_FULL,
        lost === item
          ? 'The offline queue is full and this message was not accepted (offlineQueue.overflow); raise offlineQueue.maxMessages / maxBytes or wait for the connection.'
          : 'The offline queue was full and this older message was dropped to make room (offlineQueue.overflow "drop-oldest").',
      ));
    }
    return dropped.length;
  }

  /**
   * After CONNACK: everything queued goes out in order, within the broker's window; QoS 2 also within
   * `qos2Maximum` (a tighter limit for brokers that cannot say how many QoS 2 messages they hold).
   */
  resume(mqtt: MqttClient, receiveMaximum: number, topicAliasMaximum = 0, qos2Maximum = receiveMaximum): void {
    this.#mqtt = mqtt;
    this.#topicAliasMaximum = topicAliasMaximum;
    this.#window = Math.max(1, receiveMaximum);
    this.#qos2Window = Math.max(1, Math.min(this.#window, qos2Maximum));
    this.#sending = true;
    if (this.offline && this.offline.size > 0) {
      for (const item of this.offline.drain()) this.#pushWaiting(item);
      this.#emitQueue();
    }
    this.#pump();
  }

  /**
   * The socket is gone or a planned reconnect is draining: new publishes queue. QoS 0 runs whose
   * write was never confirmed go back to the head of the line (MQTT.js never calls back for a
   * write stuck behind a dead socket); QoS 1/2 in flight stay with MQTT.js, which resends them.
   */
  pause(): void {
    this.#sending = false;
    this.#stopTurn();
    if (this.#writing.size > 0) {
      const unconfirmed = [...this.#writing].flat();
      this.#writing.clear();
      this.#requeue(unconfirmed);
    }
  }

  /** Rejects every message not yet acknowledged: waiting, queued and in flight. */
  rejectAll(error: WebMqttError): void {
    this.#sending = false;
    this.#stopTurn();
    const all = [...[...this.#writing].flat(), ...this.#inFlight, ...this.#waiting.slice(this.#waitingHead), ...(this.offline?.drain() ?? [])];
    this.#writing.clear();
    this.#inFlight.clear();
    this.#inFlightQos2 = 0;
    this.#waiting = [];
    this.#waitingHead = 0;
    this.#waitingBytes = 0;
    for (const item of all) item.reject(error);
    if (all.length > 0) this.#emitQueue();
  }

  #stopTurn(): void {
    this.#cancelTurn?.();
    this.#cancelTurn = undefined;
  }

  #pushWaiting(item: PendingPublish): void {
    this.#waiting.push(item);
    this.#waitingBytes += item.payload.byteLength + item.topic.length;
  }

  /** Puts messages back at the head of the line, in their order. */
  #requeue(items: PendingPublish[]): void {
    this.#waiting.splice(this.#waitingHead, 0, ...items);
    for (const item of items) this.#waitingBytes += item.payload.byteLength + item.topic.length;
  }

  #pump(): void {
    if (this.#pumping || this.#cancelTurn !== undefined) return;
    this.#pumping = true;
    // Plain QoS 0 messages handed over in this turn; one MQTT.js callback settles them all (see sendBatch).
    const batch: PendingPublish[] = [];
    let handed = 0;
    try {
      while (this.#sending && this.#waitingHead < this.#waiting.length) {
        if (handed >= BURST) {
          // Yield to the event loop (incoming messages, the page) and go on in the next turn.
          this.#cancelTurn = this.#turn(() => {
            this.#cancelTurn = undefined;
            this.#pump();
          });
          break;
        }
        const next = this.#waiting[this.#waitingHead] as PendingPublish;
        if (next.qos > 0 && this.#inFlight.size >= this.#window) break;
        if (next.qos === 2 && this.#inFlightQos2 >= this.#qos2Window) break;
        this.#waitingHead++;
        this.#waitingBytes -= next.payload.byteLength + next.topic.length;
        handed++;
        if (next.qos === 0 && next.properties === undefined) {
          batch.push(next);
          continue;
        }
        // Order on the wire is the order of publish() calls: the run so far goes first.
        if (batch.length > 0) this.#sendBatch(batch.splice(0));
        this.#send(next);
      }
      if (batch.length > 0) this.#sendBatch(batch.splice(0));
      if (handed > 0) this.#uncorkStream();
      if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#waitingHead);
        this.#waitingHead = 0;
      }
      // Tell listeners once the backlog they were told about has gone out (not on every message).
      if (this.announced > 0 && this.#waitingHead === this.#waiting.length && (this.offline?.size ?? 0) === 0) this.#emitQueue();
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * MQTT.js corks its stream for every packet it writes and uncorks on its `nextTick`, which in
   * browsers is a `setTimeout(0)`: clamped to 4 ms when timers nest (a page publishing from a timer),
   * so every publish waited 4 ms to leave. What this turn handed over goes to the socket now (the
   * socket below batches it, see batching-socket.ts); MQTT.js's own uncorks later find nothing to do.
   */
  #uncorkStream(): void {
    const stream = (this.#mqtt as unknown as { stream?: { writableCorked?: number; uncork?: () => void } } | undefined)?.stream;
    if (typeof stream?.uncork !== 'function') return;
    for (let corked = stream.writableCorked ?? 0; corked > 0; corked--) stream.uncork();
  }

  #publishOptions(item: PendingPublish): Record<string, unknown> {
    // MQTT.js copies the options it is given: without properties one shared object per (qos, retain) does.
    if (!item.properties) return PLAIN_OPTIONS[item.qos][item.retain ? 1 : 0];
    return { qos: item.qos, retain: item.retain, properties: item.properties };
  }

  /** True when an MQTT.js error means the socket is gone (the message was not delivered), not a refusal of this message. */
  #socketGone(): boolean {
    const mqtt = this.#mqtt as (MqttClient & { stream?: { destroyed?: boolean } }) | undefined;
    return !mqtt || !mqtt.connected || mqtt.disconnecting || mqtt.stream?.destroyed === true;
  }

  /** A send failed because the socket went away: back to the head of the line until the next CONNACK. */
  #socketFailed(items: PendingPublish[]): void {
    this.#sending = false;
    this.#requeue(items);
  }

  #refused(item: PendingPublish, error: Error & { code?: unknown }): void {
    const code = typeof error.code === 'number' ? error.code : undefined;
    item.reject(new WebMqttError(
      ErrorCode.PUBLISH_REJECTED,
      code === undefined
        ? `The publish to "${item.topic}" was refused: ${error.message}.`
        : `The broker rejected the publish to "${item.topic}" (reason code 0x${code.toString(16)}).`,
      { reasonCode: code, cause: error, retryable: false },
    ));
  }

  /**
   * Plain QoS 0 messages (no properties, so MQTT.js cannot refuse one for a topic alias), in
   * order, with a single callback on the last one: MQTT.js calls it once the whole run is written.
   * A callback per message would add a `drain` listener per message.
   */
  #sendBatch(batch: PendingPublish[]): void {
    const mqtt = this.#mqtt as MqttClient;
    if (this.#socketGone()) {
      this.#socketFailed(batch);
      return;
    }
    const last = batch.length - 1;
    for (let i = 0; i < last; i++) {
      const item = batch[i] as PendingPublish;
      mqtt.publish(item.topic, item.payload as never, this.#publishOptions(item));
    }
    const tail = batch[last] as PendingPublish;
    this.#writing.add(batch);
    mqtt.publish(tail.topic, tail.payload as never, this.#publishOptions(tail), (error?: Error) => {
      // Already requeued by pause() or rejected by rejectAll() when it is no longer being written.
      if (!this.#writing.delete(batch)) return;
      if (!error) {
        for (const item of batch) item.resolve();
        this.#pump();
        return;
      }
      this.#socketFailed(batch);
    });
  }

  #send(item: PendingPublish): void {
    const mqtt = this.#mqtt as MqttClient;
    if (this.#socketGone()) {
      this.#socketFailed([item]);
      return;
    }
    const alias = item.properties?.['topicAlias'];
    if (alias !== undefined && !(Number.isInteger(alias) && (alias as number) >= 1 && (alias as number) <= this.#topicAliasMaximum)) {
      // MQTT.js would drop its own "out of range" error and leave the publish pending forever.
      item.reject(new WebMqttError(
        ErrorCode.INVALID_OPTIONS,
        `properties.topicAlias must be from 1 to the broker's Topic Alias Maximum (${this.#topicAliasMaximum}) (got ${String(alias)}).`,
        { field: 'topicAlias', retryable: false },
      ));
      return;
    }
    const tracked = item.qos > 0;
    if (tracked) this.#inFlight.add(item);
    else this.#writing.add([item]);
    if (item.qos === 2) this.#inFlightQos2++;
    const single = tracked ? undefined : [...this.#writing].at(-1);
    mqtt.publish(item.topic, item.payload as never, this.#publishOptions(item), (error?: Error & { code?: unknown }) => {
      // Already rejected by rejectAll() (or requeued by pause()) when no longer tracked.
      if (tracked ? !this.#inFlight.delete(item) : !this.#writing.delete(single as PendingPublish[])) return;
      if (item.qos === 2) this.#inFlightQos2--;
      if (!error) item.resolve();
      else if (typeof error.code === 'number' || !this.#socketGone()) this.#refused(item, error);
      else {
        // QoS 1/2: MQTT.js only fails these when the socket went away before it stored them.
        this.#socketFailed([item]);
        return;
      }
      this.#pump();
    });
  }

  /** Tells `queue` listeners the size now, and how many this change dropped. */
  #emitQueue(dropped = 0): void {
    const { size, bytes } = this.queued;
    this.announced = size;
    this.#onQueue(dropped > 0 ? { size, bytes, dropped } : { size, bytes });
  }
}
