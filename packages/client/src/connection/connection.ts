import type { MqttClient } from 'mqtt';
import type { BrowserSignal, BrowserSignals } from '../platform/browser-signals';
import type { Clock, TimerHandle } from '../core/clock';
import { reasonText, refusalError } from './connack';
import { ErrorCode, WebMqttError, toWebMqttError } from '../core/errors';
import type { StateChange } from '../core/events';
import type { Logger } from '../core/logger';
import type { MqttFactory } from './mqtt-factory';
import type { NormalizedOptions, TokenReason } from '../core/options';
import { STATE_TABLE, transition, type ConnectionState } from '../core/state-machine';
import { signalReaction } from './signal-reaction';
import { applyToken, resolveToken, type ResolvedToken } from './token-auth';
import { TokenRefresh } from './token-refresh';
import { redactUrl } from '../core/url';
import { RetryCounter } from './retry-counter';
import { BrokerUrls, checkTransport, resolveServerReference } from './broker-urls';
import { keepaliveTimer, type IntervalTimer } from './keepalive-timer';
import { nextTurn } from '../core/next-turn';
import { mqttOptions } from './mqtt-options';
import { ProtocolFallback } from './protocol-fallback';
import { closedBeforeConnack, connectionLost, notMqtt, unknownOutcome, type SocketOutcome } from './attempt-failure';
import { TRANSPORT_FAILURE, engineHook, type TransportFailure } from '../engine/engine-hooks';
import { hideOption, hideSecretOptions, setCredentials } from './mqtt-secrets';

/** What the connection tells the client that owns it. */
export interface ConnectionHooks {
  state(change: StateChange): void;
  /** A CONNACK: the state is one where publishes go straight out (STATE_TABLE's `sendsDirectly`). */
  connected(info: ConnectedInfo): void;
  /** The state left one where publishes go straight out: the socket that was `connected` is gone (planned or not), or closing. */
  disconnected(): void;
  /** MQTT.js was created: the client attaches its message / packet listeners once. */
  created(mqtt: MqttClient): void;
  error(error: WebMqttError): void;
  /** A planned reconnect begins: hold new publishes back. */
  pause(): void;
  /** QoS 1/2 publishes still waiting for their acknowledgement. */
  inFlight(): number;
  /** The client gave up (state `failed`): whatever waits for the connection must settle now. */
  failed(reason: WebMqttError): void;
  /** The current socket is open (where the transport says so) or gone: the packet log holds what was not sent. */
  socket(event: 'open' | 'gone'): void;
}

/** Facts from a CONNACK the publish and subscribe layers need. */
export interface ConnectedInfo {
  sessionPresent: boolean;
  protocolVersion: 4 | 5;
  /**
   * How many QoS 1/2 publishes may be unacknowledged at once: the broker's Receive Maximum (MQTT 5),
   * at most {@link MAX_IN_FLIGHT}.
   */
  receiveMaximum: number;
  /** MQTT 5 CONNACK properties, when any. */
  properties: Record<string, unknown> | undefined;
}

interface Waiter {
  resolve(): void;
  reject(error: WebMqttError): void;
}

/**
 * At most this many QoS 1/2 publishes unacknowledged at once, whatever the broker allows (3.1.1 has no limit).
 * A half-open link goes unnoticed for up to 1.5 keepalive periods while publishes go on; MQTT.js re-sends every
 * unacknowledged one after the next CONNACK, one round trip each, before it reports the connection. Without a
 * cap that replay grows with the outage (1,000+ messages, a minute of `connecting` in the chaos run); with it,
 * it takes at most MAX_IN_FLIGHT round trips.
 */
export const MAX_IN_FLIGHT = 100;

/** How long the ping sent when the tab becomes visible may wait for any packet before the link counts as half-open. */
const PING_ANSWER_MS = 5_000;

/**
 * Owns the connection lifecycle: attempts, backoff, token fetching, protocol fallback,
 * cluster rotation, browser signals and the state machine. One MQTT.js client for the
 * whole life, run with `reconnectPeriod: 0` and reconnected by hand so its QoS 1/2
 * stores survive drops.
 */
export class Connection {
  state: ConnectionState = 'idle';
  /** Why the client last ended in `failed`. */
  lastFailure: WebMqttError | undefined;
  // #private, not `private`: what these hold is a credential or reaches one (the URL with its userinfo or query
  // token, the token, MQTT.js's client and its options.password), and `private` fields are plain properties that
  // JSON.stringify and util.inspect of the client walk into.
  readonly #opts: NormalizedOptions;
  #mqtt: MqttClient | undefined;
  #token: ResolvedToken | undefined;
  /** The URL the current socket opened, the token included with placement 'query'. */
  #currentUrl = '';
  /** The broker URL (before any token is added) of the attempt under way. */
  #attemptUrl: string | undefined;
  readonly #urls: BrokerUrls;

  private readonly clock: Clock;
  private readonly factory: MqttFactory;
  private readonly signals: BrowserSignals | null;
  private readonly hooks: ConnectionHooks;
  private readonly log: Logger;

  /** Consecutive failed attempts; drives the backoff. */
  private readonly retries = new RetryCounter();
  private authRejections = 0;
  private nextReason: TokenReason = 'initial';
  /** Bumped for every attempt and on close: async results of older generations are ignored. */
  private generation = 0;
  private socketGeneration = 0;
  private attemptError: WebMqttError | undefined;
  private serverDisconnect: { reasonCode: number; serverReference?: string | undefined; reasonString?: string | undefined } | undefined;
  private retryTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  /** Waits for an answer to the ping sent when the tab became visible (pingSoon). */
  private pingTimer: TimerHandle | undefined;
  /** Packets received from MQTT.js, all sockets: a ping was answered when this moved. */
  private packetsIn = 0;
  private readonly refresh: TokenRefresh;
  private waiters: Waiter[] = [];
  private stopSignals: (() => void) | undefined;
  /** MQTT.js's keepalive timer: the injected clock, re-armed from fresh tasks (keepalive-timer.ts). */
  private readonly keepalive: IntervalTimer;
  /** The socket was dropped on purpose (back-forward cache restore): reconnect at once, no backoff. */
  private retryAfterClose = false;
  /** MQTT.js's first connection uses connect(); every later one reconnect() with the same stores. */
  private everOpened = false;
  /** Stops waiting for a token provider that has not answered yet. */
  private cancelToken: (() => void) | undefined;
  /** The broker accepted this attempt's CONNECT; MQTT.js may still be re-sending before it says 'connect'. */
  private connackReceived = false;
  private readonly protocol: ProtocolFallback;
  /** What the current attempt's socket showed: opened, close code and reason (browser WebSockets). */
  private outcome: SocketOutcome = unknownOutcome();

  constructor(opts: NormalizedOptions, deps: { clock: Clock; factory: MqttFactory; signals: BrowserSignals | null; logger: Logger }, hooks: ConnectionHooks) {
    this.#opts = opts;
    this.clock = deps.clock;
    this.factory = deps.factory;
    this.signals = deps.signals;
    this.log = deps.logger;
    this.hooks = hooks;
    this.protocol = new ProtocolFallback(opts.protocolVersion);
    this.keepalive = keepaliveTimer(this.clock, nextTurn(this.clock));
    this.#urls = new BrokerUrls(opts.url);
    this.refresh = new TokenRefresh(this.clock, {
      isConnected: () => this.state === 'connected',
      pause: () => hooks.pause(),
      inFlight: () => hooks.inFlight(),
      disconnect: () => {
        this.log.info('token expiring: reconnecting with a fresh token');
        // A normal DISCONNECT: the broker must not publish the will for a planned reconnect.
        const mqtt = this.#mqtt as unknown as { _sendPacket(p: unknown, cb: () => void): void; stream?: { destroy(): void } };
        mqtt._sendPacket({ cmd: 'disconnect' }, () => mqtt.stream?.destroy());
      },
    });
  }

  /** MQTT.js's client, once the first attempt created it: a getter over a #private field (see the note above them). */
  get mqtt(): MqttClient | undefined {
    return this.#mqtt;
  }

  /** The MQTT protocol version spoken (or to be tried next): 5, or 4 for 3.1.1. */
  get protocolVersion(): 4 | 5 {
    return this.protocol.version;
  }

  /** Starts connecting (from idle or failed); resolves on CONNACK, rejects when the client fails or closes. */
  connect(): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'This client was closed; create a new one with createClient().'));
    }
    if (this.state === 'connected') return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // While waiting to reconnect, connect() is "retry now": the attempt starts at once, the count goes on.
    if (this.state === 'reconnecting') this.retryNow();
    if (this.state === 'idle' || this.state === 'failed') {
      this.retries.reset();
      this.authRejections = 0;
      this.nextReason = 'initial';
      this.listenToBrowser();
      if (this.signals && this.#opts.browserEvents && !this.signals.isOnline()) this.setState('offline');
      else void this.attempt();
    }
    return done;
  }

  /** Ends everything: no timer, no listener, no socket left. Resolves once the DISCONNECT is out. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.generation++;
    this.clearTimers();
    this.stopSignals?.();
    this.stopSignals = undefined;
    const wasConnected = this.state === 'connected';
    const mqtt = this.#mqtt;
    // A graceful DISCONNECT (no will) when connected, an abrupt end otherwise, started before the state changes: the
    // DISCONNECT is written now, so the `packet` log shows it before `closed`. What is in flight was rejected with
    // CLIENT_CLOSED already; MQTT.js would hold the DISCONNECT back until the broker acknowledged all of it.
    const ended = mqtt ? this.endMqtt(mqtt, wasConnected) : Promise.resolve();
    this.setState('closed');
    this.settleWaiters(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'The client was closed before it connected.'));
    if (!mqtt) return;
    mqtt.removeAllListeners();
    // MQTT.js reports stream errors through 'error'; keep one listener so none is unhandled during teardown.
    mqtt.on('error', () => {});
    await ended;
  }

  private endMqtt(mqtt: MqttClient, graceful: boolean): Promise<void> {
    if (graceful) {
      const outgoing = (mqtt as unknown as { outgoing?: Record<string, unknown> }).outgoing;
      if (outgoing) for (const id of Object.keys(outgoing)) delete outgoing[id];
    }
    return new Promise<void>((resolve) => {
      // end() never calls back when the stream was already gone: a backstop, cleared as soon as it is not needed.
      const backstop = this.clock.setTimeout(resolve, 1_000);
      mqtt.end(!graceful, {}, () => {
        this.clock.clearTimeout(backstop);
        resolve();
      });
    });
  }

  /** The browser (or the user) says: try now, forget the wait. */
  retryNow(): void {
    if (this.state !== 'reconnecting' && this.state !== 'offline') return;
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retries.forgetDelay();
    void this.attempt();
  }

  /** Breaks the socket abruptly, as a network would (tests, demo). The usual reconnect follows. */
  dropSocket(): void {
    this.#mqtt?.stream?.destroy();
  }

  private listenToBrowser(): void {
    if (this.stopSignals || !this.signals || !this.#opts.browserEvents) return;
    this.stopSignals = this.signals.listen((signal) => this.onBrowserSignal(signal));
  }

  private onBrowserSignal(signal: BrowserSignal): void {
    this.log.debug('browser signal', { signal });
    switch (signalReaction(signal, this.state)) {
      case 'drop-socket':
        this.dropSocket();
        return;
      case 'go-offline':
        this.generation++;
        this.clearAttemptTimers();
        this.killSocket();
        this.setState('offline');
        return;
      case 'replace-socket':
        this.retryAfterClose = true;
        this.dropSocket();
        return;
      case 'ping':
        this.pingSoon();
        return;
      case 'retry-now':
        this.retryNow();
        return;
      case 'none':
        return;
    }
  }

  /**
   * The tab is visible again after a while: ping, and drop the socket if nothing at all comes back within
   * PING_ANSWER_MS (a round trip on a live link). MQTT.js's own keepalive would notice a half-open link only
   * 1.5 keepalives after its last PINGRESP.
   */
  private pingSoon(): void {
    const mqtt = this.#mqtt as unknown as { _sendPacket?: (packet: { cmd: string }) => void } | undefined;
    try {
      mqtt?._sendPacket?.({ cmd: 'pingreq' });
    } catch {
      this.dropSocket();
      return;
    }
    const before = this.packetsIn;
    const socket = this.socketGeneration;
    this.clock.clearTimeout(this.pingTimer);
    this.pingTimer = this.clock.setTimeout(() => {
      this.pingTimer = undefined;
      if (socket !== this.socketGeneration || this.state !== 'connected' || this.packetsIn !== before) return;
      this.log.info('no answer to the ping sent when the tab became visible: the link is half-open, reconnecting');
      this.dropSocket();
    }, Math.min(PING_ANSWER_MS, this.#opts.keepalive > 0 ? this.#opts.keepalive * 1000 : PING_ANSWER_MS));
  }

  private async attempt(): Promise<void> {
    const generation = ++this.generation;
    this.clearAttemptTimers();
    this.attemptError = undefined;
    this.serverDisconnect = undefined;
    const attemptNo = this.retries.nextAttempt;
    if (this.state !== 'connecting') this.setState('connecting', { attempt: attemptNo });
    let url: string;
    let token: ResolvedToken | undefined;
    try {
      url = await this.#urls.next();
      if (generation !== this.generation) return;
      this.#attemptUrl = url;
      // Every credential, not only a token: the URL's userinfo and query, enhanced-auth data.
      checkTransport(url, this.#opts);
      const auth = this.#opts.auth;
      if (auth) {
        const cancel: { onCancel?: () => void } = {};
        this.cancelToken = () => cancel.onCancel?.();
        token = await resolveToken(auth, { attempt: attemptNo, reason: this.nextReason }, this.clock, cancel);
        this.cancelToken = undefined;
        if (generation !== this.generation) return;
      }
    } catch (error) {
      if (generation !== this.generation) return;
      this.attemptFailed(toWebMqttError(error, ErrorCode.CONNECTION_REFUSED));
      return;
    }
    this.#token = token;
    if (!this.#mqtt) {
      try {
        await this.createMqtt(url);
      } catch (error) {
        if (generation !== this.generation) return;
        this.attemptFailed(toWebMqttError(error, ErrorCode.CONNECTION_REFUSED, 'Could not start MQTT.js (see cause).'));
        return;
      }
      if (generation !== this.generation) return;
    }
    this.open(url, token);
  }

  private async createMqtt(url: string): Promise<void> {
    const options = mqttOptions(this.#opts, this.protocolVersion);
    options.timerVariant = this.keepalive as never;
    options.transformWsUrl = () => this.#currentUrl;
    const mqtt = await this.factory(url, options, { clock: this.clock, socket: () => this.watchSocket() });
    this.#mqtt = mqtt;
    // The publisher holds this client too: what MQTT.js keeps of the URL (userinfo, query) and of the options
    // (TLS settings, enhanced-auth data) stays readable by it but out of an inspector's or serializer's walk.
    const kept = mqtt.options as Record<string, unknown>;
    hideSecretOptions(kept);
    this.hooks.created(mqtt);
    // MQTT.js emits 'connect' only after re-sending its unacknowledged QoS 1/2 publishes and getting every
    // acknowledgement, one round trip each: after a half-open link that can take many seconds. The broker
    // answered at the CONNACK packet: the connect timer stops there, the keepalive watches the re-send.
    mqtt.on('packetreceive', (packet) => {
      this.packetsIn++;
      if (packet.cmd === 'connack') this.onConnackPacket(packet as unknown as Record<string, unknown>);
      else if (this.state === 'connecting' && !this.connackReceived) {
        this.failAttemptNow(new WebMqttError(ErrorCode.PROTOCOL_ERROR, `The server at ${this.where()} sent ${packet.cmd.toUpperCase()} before CONNACK: it breaks the MQTT protocol; check the URL points at an MQTT broker.`, { retryable: false, field: 'url' }));
      }
    });
    mqtt.on('connect', (packet) => this.onConnack(packet as unknown as Record<string, unknown>));
    mqtt.on('error', (error) => this.onMqttError(error));
    mqtt.on('disconnect', (packet) => {
      this.serverDisconnect = {
        reasonCode: packet.reasonCode ?? 0,
        serverReference: packet.properties?.serverReference,
        reasonString: packet.properties?.reasonString,
      };
    });
  }

  /** Called by the default factory as each socket is made (synchronously, inside open()): its events, for this attempt only. */
  private watchSocket(): { opened(): void; closed(code: number, reason: string): void } {
    const generation = this.socketGeneration;
    const outcome = this.outcome;
    outcome.opened = false;
    return {
      opened: () => {
        outcome.opened = true;
        if (generation === this.socketGeneration) this.hooks.socket('open');
      },
      closed: (code, reason) => {
        outcome.closeCode = code;
        outcome.closeReason = reason;
      },
    };
  }

  private open(url: string, token: ResolvedToken | undefined): void {
    const creds = applyToken(this.#opts, url, token?.token);
    const socketGeneration = ++this.socketGeneration;
    this.outcome = unknownOutcome();
    const mqtt = this.#mqtt as MqttClient;
    this.connackReceived = false;
    this.#currentUrl = creds.url;
    // Non-enumerable: MQTT.js reads them for the CONNECT, while an inspector or serializer that reaches its
    // client (the publisher holds it) does not see the token.
    setCredentials(mqtt, creds);
    mqtt.options.protocolVersion = this.protocolVersion;
    // MQTT.js fails in-flight QoS 1/2 publishes on a forced close when `clean && reconnectPeriod === 0`,
    // believing no reconnect will follow. One will, so the clean flag is restored for the CONNECT only.
    mqtt.options.clean = this.#opts.clean;
    if (!this.everOpened) {
      this.everOpened = true;
      mqtt.connect();
    }
    else mqtt.reconnect({ incomingStore: mqtt.incomingStore, outgoingStore: mqtt.outgoingStore });
    mqtt.options.clean = false;
    const stream = mqtt.stream as unknown as { once(event: string, fn: () => void): void; on(event: string, fn: (error: Error) => void): void; url?: unknown } | undefined;
    stream?.once('close', () => this.onSocketClosed(socketGeneration));
    // Every transport error, also those MQTT.js drops (it passes on only errors with a code: not ws's HTTP status).
    stream?.on('error', (error) => this.onTransportError(error, socketGeneration));
    // MQTT.js's Node stream keeps the WebSocket URL (the token in it with placement 'query') as a plain property.
    if (stream && Object.hasOwn(stream, 'url')) hideOption(stream, 'url', stream.url);
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = undefined;
      // Fail the attempt now: a browser may report the socket's close much later.
      this.killSocket();
      this.attemptFailed(new WebMqttError(ErrorCode.CONNECT_TIMEOUT, `No CONNACK within ${this.#opts.connectTimeoutMs} ms from ${redactUrl(url, this.redactParams())}; check the URL and that the broker is up (connectTimeoutMs sets the limit).`));
    }, this.#opts.connectTimeoutMs);
  }

  private redactParams(): string[] {
    return this.#opts.auth ? [this.#opts.auth.queryParam] : [];
  }

  /** Kills the current socket and makes its close event stale: the caller decides what happens next. */
  private killSocket(): void {
    this.socketGeneration++;
    this.#mqtt?.stream?.destroy();
  }

  private onMqttError(error: Error & { code?: number | string }): void {
    if (typeof error.code === 'number' && this.state === 'connecting') {
      this.protocol.refused(error.code);
      this.attemptError = refusalError(error.code, this.protocolVersion);
      return;
    }
    // Before the CONNACK, an error of MQTT.js's packet parser means the server does not speak MQTT.
    const garbage = this.state === 'connecting' && !this.connackReceived ? notMqtt(error, this.where()) : undefined;
    if (garbage) {
      this.failAttemptNow(garbage);
      return;
    }
    this.attemptError ??= toWebMqttError(error, ErrorCode.CONNECTION_LOST);
    this.log.debug('socket error', { message: error.message });
  }

  /** A transport error of this attempt's socket (Node: TLS, HTTP status, refused port): named, and final where no retry helps. */
  private onTransportError(error: Error, socketGeneration: number): void {
    if (socketGeneration !== this.socketGeneration || this.state !== 'connecting' || this.connackReceived) return;
    const failure = engineHook<TransportFailure>(this.#mqtt, TRANSPORT_FAILURE)?.(error, this.where());
    if (!failure) return;
    // Refused, reset, TLS, an HTTP status: the WebSocket never got to speak MQTT (no 3.1.1 retry for it).
    this.outcome.opened = false;
    if (!failure.retryable) this.failAttemptNow(failure);
    else this.attemptError = failure;
  }

  /** Ends this attempt with `error` now, rather than when the socket (which may stay open) closes. */
  private failAttemptNow(error: WebMqttError): void {
    this.killSocket();
    this.hooks.socket('gone');
    this.attemptFailed(error);
  }

  /** The URL of this attempt, safe to show (no credentials). */
  private where(): string {
    return redactUrl(this.#currentUrl, this.redactParams());
  }

  private onConnackPacket(packet: Record<string, unknown>): void {
    const code = this.protocolVersion === 5 ? packet['reasonCode'] : packet['returnCode'];
    if (typeof code === 'number' && code !== 0) {
      // A refusal may name another server (0x9C use another server, 0x9D server moved): MQTT.js's
      // error carries only the code, so the reference is read from the packet.
      const properties = packet['properties'] as { serverReference?: string; reasonString?: string } | undefined;
      if (properties?.serverReference) this.serverDisconnect = { reasonCode: code, serverReference: properties.serverReference, reasonString: properties.reasonString };
      return;
    }
    this.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.connackReceived = true;
  }

  private onConnack(packet: Record<string, unknown>): void {
    this.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    const properties = packet['properties'] as Record<string, unknown> | undefined;
    this.authRejections = 0;
    this.protocol.accepted();
    this.retries.connected(this.clock.now());
    this.setState('connected');
    const brokerMaximum = typeof properties?.['receiveMaximum'] === 'number' ? properties['receiveMaximum'] : 65_535;
    const receiveMaximum = Math.min(brokerMaximum, MAX_IN_FLIGHT);
    this.hooks.connected({ sessionPresent: packet['sessionPresent'] === true, protocolVersion: this.protocolVersion, receiveMaximum, properties });
    this.settleWaiters();
    this.refresh.connected(this.#opts.auth, this.#token);
  }

  /**
   * The next attempt goes to the server the broker named, unless the token could not go there
   * (plain ws:// to another machine): then the configured URLs are kept, not the client failed.
   */
  private followServerReference(reference: string): void {
    const url = resolveServerReference(reference, this.#attemptUrl ?? this.#currentUrl);
    if (url === undefined) return;
    try {
      checkTransport(url, this.#opts);
    } catch {
      this.log.warn('ignoring a Server Reference the credentials must not be sent to (plain ws:// to another host)');
      return;
    }
    this.#urls.redirectTo(url);
  }

  private onSocketClosed(socketGeneration: number): void {
    if (socketGeneration !== this.socketGeneration || this.state === 'closed') return;
    this.hooks.socket('gone');
    this.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    const server = this.serverDisconnect;
    if (server?.serverReference) this.followServerReference(server.serverReference);
    if (this.state === 'connected') {
      const planned = this.refresh.socketClosed();
      this.retries.disconnected(this.clock.now(), this.reconnectPolicyOrDefault());
      if (planned) {
        this.nextReason = 'expiring';
        void this.attempt();
        return;
      }
      if (this.retryAfterClose) {
        this.retryAfterClose = false;
        this.nextReason = 'reconnect';
        void this.attempt();
        return;
      }
      const reason = server
        ? new WebMqttError(ErrorCode.CONNECTION_LOST, `The broker closed the connection (${reasonText(server.reasonCode, this.protocolVersion)}${server.reasonString ? `: ${JSON.stringify(server.reasonString.slice(0, 200))}` : ''}).`, { reasonCode: server.reasonCode })
        : this.attemptError ?? connectionLost(this.outcome);
      this.nextReason = 'reconnect';
      this.scheduleRetry(reason, true);
      return;
    }
    if (this.state === 'connecting' && this.connackReceived) {
      this.nextReason = 'reconnect';
      this.attemptFailed(this.attemptError ?? new WebMqttError(ErrorCode.CONNECTION_LOST, 'The connection was lost while MQTT.js re-sent unacknowledged messages; reconnecting.'));
      return;
    }
    if (this.state === 'connecting') {
      this.attemptFailed(this.attemptError ?? closedBeforeConnack(this.outcome, this.where()));
    }
  }

  private attemptFailed(error: WebMqttError): void {
    this.clearAttemptTimers();
    if (this.state === 'closed') return;
    if (this.protocol.retryInV4(error, this.outcome.opened)) {
      // The same node again, in 3.1.1, at once: not the next one of a cluster list.
      this.#urls.redirectTo(this.#attemptUrl);
      this.log.info('no MQTT 5 CONNACK; trying MQTT 3.1.1');
      void this.attempt();
      return;
    }
    // The broker refused the credentials (a CONNACK code, a close code or reason, HTTP 401/403): one more try with a
    // fresh token, then failed. A provider that failed is retryable, and goes through the backoff instead.
    if (error.code === ErrorCode.AUTH_FAILED && !error.retryable) {
      this.authRejections++;
      if (this.authRejections >= 2 || !this.#opts.auth || typeof this.#opts.auth.token === 'string') {
        this.fail(error);
        return;
      }
      this.hooks.error(error);
      this.nextReason = 'rejected';
      this.setState('reconnecting', { reason: error, attempt: this.retries.nextAttempt, retryInMs: 0 });
      void this.attempt();
      return;
    }
    if (!error.retryable) {
      this.fail(error);
      return;
    }
    this.nextReason = 'reconnect';
    // Every failed attempt's reason reaches `error` listeners (connect() is still waiting: it was not rejected with it).
    this.hooks.error(error);
    this.scheduleRetry(error);
  }

  private reconnectPolicyOrDefault() {
    return this.#opts.reconnect || { initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: 'none' as const, maxAttempts: 0, resetAfterMs: 0 };
  }

  /** Waits before the next attempt, or gives up; `lost`: the connection dropped (a wait, not a failed attempt). */
  private scheduleRetry(reason: WebMqttError, lost = false): void {
    const policy = this.#opts.reconnect;
    if (!policy) {
      this.fail(reason);
      return;
    }
    if (this.signals && this.#opts.browserEvents && !this.signals.isOnline()) {
      this.setState('offline', { reason });
      return;
    }
    const delay = lost ? this.retries.lost(policy, this.#opts.random) : this.retries.failed(policy, this.#opts.random);
    if (delay === undefined) {
      const made = this.retries.failures;
      this.fail(new WebMqttError(ErrorCode.RECONNECT_EXHAUSTED, `Gave up after ${made} ${made === 1 ? 'attempt' : 'attempts'}, each failed (reconnect.maxAttempts is ${policy.maxAttempts}); call connect() to start again. Last failure: ${reason.message}`, { cause: reason, retryable: false }));
      return;
    }
    // `attempt` is the number of the attempt being waited for, as the `connecting` that follows says.
    this.setState('reconnecting', { reason, attempt: this.retries.nextAttempt, retryInMs: delay });
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.attempt();
    }, delay);
  }

  private fail(reason: WebMqttError): void {
    this.generation++;
    this.clearTimers();
    this.killSocket();
    this.lastFailure = reason;
    this.setState('failed', { reason });
    this.hooks.failed(reason);
    if (this.waiters.length > 0) this.settleWaiters(reason);
    else this.hooks.error(reason);
  }

  /** True while new publishes must wait: a planned reconnect is draining in-flight messages. */
  get draining(): boolean {
    return this.refresh.draining;
  }

  private setState(next: ConnectionState, extra: Omit<StateChange, 'previous' | 'current'> = {}): void {
    const previous = this.state;
    if (previous === next) return;
    this.state = transition(previous, next);
    // Publishes and subscriptions go straight to the socket exactly while the table says so: they stop before anyone
    // hears of the new state (the CONNACK that enters such a state starts them again: onConnack).
    if (STATE_TABLE[previous].sendsDirectly && !STATE_TABLE[next].sendsDirectly) this.hooks.disconnected();
    this.log.debug('state', { previous, current: next, attempt: extra.attempt, retryInMs: extra.retryInMs, code: extra.reason?.code });
    this.hooks.state({ previous, current: next, ...extra });
    if (STATE_TABLE[next].terminal) this.stopTimersForTerminal();
  }

  private stopTimersForTerminal(): void {
    this.clearTimers();
  }

  private settleWaiters(error?: WebMqttError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private clearAttemptTimers(): void {
    this.cancelToken?.();
    this.cancelToken = undefined;
    this.clock.clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    this.clock.clearTimeout(this.retryTimer);
    this.clock.clearTimeout(this.connectTimer);
    this.retryTimer = undefined;
    this.connectTimer = undefined;
  }

  private clearTimers(): void {
    this.clearAttemptTimers();
    this.refresh.cancel();
  }
}

