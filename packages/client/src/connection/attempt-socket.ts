import type { MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../core/clock';
import { ErrorCode, WebMqttError, toWebMqttError } from '../core/errors';
import { nextTurn } from '../core/next-turn';
import type { Logger } from '../core/logger';
import type { NormalizedOptions } from '../core/options';
import type { ConnectionState } from '../core/state-machine';
import { redactUrl } from '../core/url';
import { TRANSPORT_FAILURE, engineHook, type TransportFailure } from '../engine/engine-hooks';
import { notMqtt, unknownOutcome, type ServerGoodbye, type SocketOutcome } from './attempt-failure';
import { refusalError } from './connack';
import { keepaliveTimer, type IntervalTimer } from './keepalive-timer';
import type { MqttFactory } from './mqtt-factory';
import { mqttOptions } from './mqtt-options';
import { hideOption, hideSecretOptions, setCredentials } from './mqtt-secrets';
import type { ConnectionHooks } from './connection-hooks';
import type { ProtocolFallback } from './protocol-fallback';
import { applyToken } from './token-auth';

/** What the socket tells the connection that runs it, besides the hooks it passes on (created, socket). */
export interface SocketOwner {
  /** The connection's state: what MQTT.js's events mean depends on it. */
  state(): ConnectionState;
  /** MQTT.js reports the connection: its 'connect', after it re-sent what was unacknowledged. */
  connack(packet: Record<string, unknown>): void;
  /** The attempt ends now with `error`, whether or not its socket closed yet. */
  failed(error: WebMqttError): void;
  /** This attempt's socket closed. */
  closed(): void;
}

/** The connection's hooks the socket calls itself. */
export type SocketHooks = Pick<ConnectionHooks, 'created' | 'socket'>;

/** MQTT.js's client, with the packet writer it has no public method for (a PINGREQ, a DISCONNECT then the end). */
type Writer = { _sendPacket?(packet: { cmd: string }, written?: () => void): void };

/**
 * The one MQTT.js client of a connection and the socket of the attempt under way: creates the client (its secrets
 * hidden), opens each attempt's socket with that attempt's credentials and a CONNACK deadline, wires MQTT.js's
 * events and the socket's, and keeps what they showed (opened, close code, the broker's DISCONNECT, the error).
 * Events of a socket replaced since are ignored. It decides nothing: the connection hears of each outcome.
 */
export class AttemptSocket {
  // #private: MQTT.js's client reaches its options.password, and the URL of the socket carries the token with
  // placement 'query'; `private` fields are plain properties that JSON.stringify and util.inspect walk into. The
  // other private members are #private too (the minifier shortens them); the public fields are what the connection reads.
  readonly #opts: NormalizedOptions;
  #mqtt: MqttClient | undefined;
  /** The URL the current socket opened, the token included with placement 'query'. */
  #url = '';
  /** MQTT.js's keepalive timer: the injected clock, re-armed from fresh tasks (keepalive-timer.ts). */
  readonly #keepalive: IntervalTimer;
  /** Bumped for every socket and when one is killed: events of older sockets are stale. */
  generation = 0;
  /** What the current socket showed: opened, close code and reason (browser WebSockets). */
  outcome: SocketOutcome = unknownOutcome();
  /** The broker accepted this attempt's CONNECT; MQTT.js may still be re-sending before it says 'connect'. */
  connackReceived = false;
  /** Why this attempt went wrong, as far as MQTT.js or the transport said before the socket closed. */
  error: WebMqttError | undefined;
  /** The broker's DISCONNECT, or a CONNACK refusal that names another server. */
  goodbye: ServerGoodbye | undefined;
  /** Packets received, all sockets: a ping was answered when this moved. */
  packetsIn = 0;
  #connectTimer: TimerHandle | undefined;
  /** MQTT.js's first connection uses connect(); every later one reconnect() with the same stores. */
  #everOpened = false;

  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #protocol: ProtocolFallback;
  readonly #owner: SocketOwner;
  readonly #hooks: SocketHooks;

  constructor(opts: NormalizedOptions, clock: Clock, log: Logger, protocol: ProtocolFallback, hooks: SocketHooks, owner: SocketOwner) {
    this.#opts = opts;
    this.#clock = clock;
    this.#log = log;
    this.#protocol = protocol;
    this.#owner = owner;
    this.#hooks = hooks;
    this.#keepalive = keepaliveTimer(clock, nextTurn(clock));
  }

  /** MQTT.js's client, once created. */
  get mqtt(): MqttClient | undefined {
    return this.#mqtt;
  }

  /** The URL of this attempt, safe to show (no credentials). */
  get where(): string {
    return this.#redact(this.#url);
  }

  /** Creates MQTT.js for the client's life (first attempt only): later sockets reuse its QoS 1/2 stores. */
  async create(factory: MqttFactory, url: string): Promise<void> {
    const options = mqttOptions(this.#opts, this.#protocol.version);
    options.timerVariant = this.#keepalive as never;
    options.transformWsUrl = () => this.#url;
    const mqtt = await factory(url, options, { clock: this.#clock, socket: () => this.#watch() });
    this.#mqtt = mqtt;
    // The publisher holds this client too: what MQTT.js keeps of the URL (userinfo, query) and of the options
    // (TLS settings, enhanced-auth data) stays readable by it but out of an inspector's or serializer's walk.
    hideSecretOptions(mqtt.options as Record<string, unknown>);
    this.#hooks.created(mqtt);
    this.#listen(mqtt);
  }

  /** Opens this attempt's socket to `url` with `token`; the attempt fails if no CONNACK comes within connectTimeoutMs. */
  open(url: string, token: string | undefined): void {
    const creds = applyToken(this.#opts, url, token);
    const generation = ++this.generation;
    this.outcome = unknownOutcome();
    this.error = undefined;
    this.goodbye = undefined;
    this.connackReceived = false;
    const mqtt = this.#mqtt as MqttClient;
    this.#url = creds.url;
    // Non-enumerable: MQTT.js reads them for the CONNECT, while an inspector or serializer that reaches its
    // client (the publisher holds it) does not see the token.
    setCredentials(mqtt, creds);
    mqtt.options.protocolVersion = this.#protocol.version;
    // MQTT.js fails in-flight QoS 1/2 publishes on a forced close when `clean && reconnectPeriod === 0`,
    // believing no reconnect will follow. One will, so the clean flag is restored for the CONNECT only.
    mqtt.options.clean = this.#opts.clean;
    if (!this.#everOpened) {
      this.#everOpened = true;
      mqtt.connect();
    } else mqtt.reconnect({ incomingStore: mqtt.incomingStore, outgoingStore: mqtt.outgoingStore });
    mqtt.options.clean = false;
    const stream = mqtt.stream as unknown as { once(event: string, fn: () => void): void; on(event: string, fn: (error: Error) => void): void; url?: unknown } | undefined;
    stream?.once('close', () => this.#onClose(generation));
    // Every transport error, also those MQTT.js drops (it passes on only errors with a code: not ws's HTTP status).
    stream?.on('error', (error) => this.#onTransportError(error, generation));
    // MQTT.js's Node stream keeps the WebSocket URL (the token in it with placement 'query') as a plain property.
    if (stream && Object.hasOwn(stream, 'url')) hideOption(stream, 'url', stream.url);
    this.#connectTimer = this.#clock.setTimeout(() => {
      this.#connectTimer = undefined;
      // Fail the attempt now: a browser may report the socket's close much later.
      this.kill();
      this.#owner.failed(new WebMqttError(ErrorCode.CONNECT_TIMEOUT, `No CONNACK within ${this.#opts.connectTimeoutMs} ms from ${this.#redact(url)}; check the URL and that the broker is up (connectTimeoutMs sets the limit).`));
    }, this.#opts.connectTimeoutMs);
  }

  #redact(url: string): string {
    return redactUrl(url, this.#opts.auth ? [this.#opts.auth.queryParam] : []);
  }

  /** Stops waiting for this attempt's CONNACK. */
  stopTimer(): void {
    this.#clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
  }

  /** Breaks the socket abruptly, as a network would: its close is reported as usual. */
  drop(): void {
    this.#mqtt?.stream?.destroy();
  }

  /** Kills the socket and makes its close event stale: the caller decides what happens next. */
  kill(): void {
    this.generation++;
    this.drop();
  }

  /** A normal DISCONNECT, then the socket ends: the broker must not publish the will for a planned reconnect. */
  disconnect(): void {
    const mqtt = this.#mqtt as MqttClient;
    (mqtt as unknown as Writer)._sendPacket!({ cmd: 'disconnect' }, () => mqtt.stream?.destroy());
  }

  /** Sends a PINGREQ; false when the socket cannot take it. */
  ping(): boolean {
    try {
      (this.#mqtt as unknown as Writer | undefined)?._sendPacket?.({ cmd: 'pingreq' });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Ends MQTT.js for good: a DISCONNECT first when `graceful` (connected), an abrupt end otherwise. Resolves once
   * it is out. What is in flight was rejected already; MQTT.js would hold the DISCONNECT back until the broker
   * acknowledged all of it.
   */
  end(graceful: boolean): Promise<void> {
    const mqtt = this.#mqtt as MqttClient;
    if (graceful) {
      const outgoing = (mqtt as unknown as { outgoing?: Record<string, unknown> }).outgoing;
      if (outgoing) for (const id of Object.keys(outgoing)) delete outgoing[id];
    }
    return new Promise<void>((resolve) => {
      // end() never calls back when the stream was already gone: a backstop, cleared as soon as it is not needed.
      const backstop = this.#clock.setTimeout(resolve, 1_000);
      mqtt.end(!graceful, {}, () => {
        this.#clock.clearTimeout(backstop);
        resolve();
      });
    });
  }

  /** No more events from MQTT.js (after end()); one silent 'error' listener, so none is unhandled during teardown. */
  release(): void {
    const mqtt = this.#mqtt as MqttClient;
    mqtt.removeAllListeners();
    mqtt.on('error', () => {});
  }

  /** The factory's report of each browser WebSocket made (synchronously, inside open()): for this attempt only. */
  #watch(): { opened(): void; closed(code: number, reason: string): void } {
    const generation = this.generation;
    const outcome = this.outcome;
    outcome.opened = false;
    return {
      opened: () => {
        outcome.opened = true;
        if (generation === this.generation) this.#hooks.socket('open');
      },
      closed: (code, reason) => {
        outcome.closeCode = code;
        outcome.closeReason = reason;
      },
    };
  }

  /** MQTT.js's events, for the client's life. */
  #listen(mqtt: MqttClient): void {
    // MQTT.js emits 'connect' only after re-sending its unacknowledged QoS 1/2 publishes and getting every
    // acknowledgement, one round trip each: after a half-open link that can take many seconds. The broker
    // answered at the CONNACK packet: the connect timer stops there, the keepalive watches the re-send.
    mqtt.on('packetreceive', (packet) => {
      this.packetsIn++;
      if (packet.cmd === 'connack') this.#onConnackPacket(packet as unknown as Record<string, unknown>);
      else if (this.#awaitingConnack()) {
        this.#failNow(new WebMqttError(ErrorCode.PROTOCOL_ERROR, `The server at ${this.where} sent ${packet.cmd.toUpperCase()} before CONNACK: it breaks the MQTT protocol; check the URL points at an MQTT broker.`, { retryable: false, field: 'url' }));
      }
    });
    mqtt.on('connect', (packet) => {
      this.stopTimer();
      this.#owner.connack(packet as unknown as Record<string, unknown>);
    });
    mqtt.on('error', (error) => this.#onError(error));
    mqtt.on('disconnect', (packet) => {
      this.goodbye = {
        reasonCode: packet.reasonCode ?? 0,
        serverReference: packet.properties?.serverReference,
        reasonString: packet.properties?.reasonString,
      };
    });
  }

  #awaitingConnack(): boolean {
    return this.#owner.state() === 'connecting' && !this.connackReceived;
  }

  #onConnackPacket(packet: Record<string, unknown>): void {
    const code = this.#protocol.version === 5 ? packet['reasonCode'] : packet['returnCode'];
    if (typeof code === 'number' && code !== 0) {
      // A refusal may name another server (0x9C use another server, 0x9D server moved): MQTT.js's
      // error carries only the code, so the reference is read from the packet.
      const properties = packet['properties'] as { serverReference?: string; reasonString?: string } | undefined;
      if (properties?.serverReference) this.goodbye = { reasonCode: code, serverReference: properties.serverReference, reasonString: properties.reasonString };
      return;
    }
    this.stopTimer();
    this.connackReceived = true;
  }

  #onError(error: Error & { code?: number | string }): void {
    if (typeof error.code === 'number' && this.#owner.state() === 'connecting') {
      this.#protocol.refused(error.code);
      this.error = refusalError(error.code, this.#protocol.version);
      return;
    }
    // Before the CONNACK, an error of MQTT.js's packet parser means the server does not speak MQTT.
    const garbage = this.#awaitingConnack() ? notMqtt(error, this.where) : undefined;
    if (garbage) {
      this.#failNow(garbage);
      return;
    }
    this.error ??= toWebMqttError(error, ErrorCode.CONNECTION_LOST);
    this.#log.debug('socket error', { message: error.message });
  }

  /** A transport error of this attempt's socket (Node: TLS, HTTP status, refused port): named, and final where no retry helps. */
  #onTransportError(error: Error, generation: number): void {
    if (generation !== this.generation || !this.#awaitingConnack()) return;
    const failure = engineHook<TransportFailure>(this.#mqtt, TRANSPORT_FAILURE)?.(error, this.where);
    if (!failure) return;
    // Refused, reset, TLS, an HTTP status: the WebSocket never got to speak MQTT (no 3.1.1 retry for it).
    this.outcome.opened = false;
    if (!failure.retryable) this.#failNow(failure);
    else this.error = failure;
  }

  #onClose(generation: number): void {
    if (generation !== this.generation || this.#owner.state() === 'closed') return;
    this.#hooks.socket('gone');
    this.stopTimer();
    this.#owner.closed();
  }

  /** Ends this attempt with `error` now, rather than when the socket (which may stay open) closes. */
  #failNow(error: WebMqttError): void {
    this.kill();
    this.#hooks.socket('gone');
    this.#owner.failed(error);
  }
}
