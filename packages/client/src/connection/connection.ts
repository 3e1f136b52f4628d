import type { MqttClient } from 'mqtt';
import type { BrowserSignal, BrowserSignals } from '../platform/browser-signals';
import type { Clock, TimerHandle } from '../core/clock';
import { connectedInfo } from './connack';
import { ErrorCode, WebMqttError, toWebMqttError } from '../core/errors';
import type { StateChange } from '../core/events';
import type { Logger } from '../core/logger';
import type { MqttFactory } from './mqtt-factory';
import type { NormalizedOptions, TokenReason } from '../core/options';
import { STATE_TABLE, transition, type ConnectionState } from '../core/state-machine';
import { signalReaction } from './signal-reaction';
import type { ResolvedToken } from './token-auth';
import type { TokenRefresh } from './token-refresh';
import { loadTokenRefresh } from './load-token-refresh';
import { resolveToken } from './token-provider';
import { RetryCounter } from './retry-counter';
import { BrokerUrls, checkTransport } from './broker-urls';
import { ProtocolFallback } from './protocol-fallback';
import { closedBeforeConnack, connectionLost } from './attempt-failure';
import { AttemptSocket } from './attempt-socket';
import type { ConnectionHooks } from './connection-hooks';
import { pingProbe, type PingProbe } from './ping-probe';
import { afterFailedAttempt, exhaustedError } from './retry-policy';

export { MAX_IN_FLIGHT, type ConnectedInfo } from './connack';
export type { ConnectionHooks } from './connection-hooks';

/** The backoff counter's policy when `reconnect` is false: nothing resets it (no reconnect ever asks it for a delay). */
const NO_RECONNECT = { initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: 'none' as const, maxAttempts: 0, resetAfterMs: 0 };

interface Waiter {
  resolve(): void;
  reject(error: WebMqttError): void;
}

/**
 * Owns the connection lifecycle: the state machine, the attempts (URL, token, socket: attempt-socket.ts), what
 * follows a failure (protocol fallback, a fresh token, the backoff: retry-policy.ts, retry-counter.ts), cluster
 * rotation and redirects, token refresh and the browser's signals. One MQTT.js client for the whole life, run with
 * `reconnectPeriod: 0` and reconnected by hand so its QoS 1/2 stores survive drops.
 */
export class Connection {
  state: ConnectionState = 'idle';
  /** Why the client last ended in `failed`. */
  lastFailure: WebMqttError | undefined;
  // #private, not `private`: the first five hold a credential or reach one (the URLs with their userinfo or query
  // token, the token, MQTT.js's client and its options.password), and `private` fields are plain properties that
  // JSON.stringify and util.inspect of the client walk into. The rest are #private too: the minifier shortens them.
  readonly #opts: NormalizedOptions;
  readonly #socket: AttemptSocket;
  #token: ResolvedToken | undefined;
  /** The broker URL (before any token is added) of the attempt under way. */
  #attemptUrl: string | undefined;
  readonly #urls: BrokerUrls;

  readonly #clock: Clock;
  readonly #factory: MqttFactory;
  readonly #signals: BrowserSignals | null;
  readonly #hooks: ConnectionHooks;
  readonly #log: Logger;

  /** Consecutive failed attempts; drives the backoff. */
  readonly #retries = new RetryCounter();
  /** Attempts made at once with a fresh token after the broker refused one, since the last CONNACK. */
  #authRejections = 0;
  #nextReason: TokenReason = 'initial';
  /** Bumped for every attempt and on close: async results of older generations are ignored. */
  #generation = 0;
  #retryTimer: TimerHandle | undefined;
  readonly #probe: PingProbe;
  /** Renews the token before it expires (token-refresh.ts, a chunk loaded after the first CONNACK with a token provider). */
  #refresh: TokenRefresh | undefined;
  #refreshLoading = false;
  #waiters: Waiter[] = [];
  #stopSignals: (() => void) | undefined;
  /** The socket was dropped on purpose (back-forward cache restore): reconnect at once, no backoff. */
  #retryAfterClose = false;
  /** Stops waiting for a token provider that has not answered yet. */
  #cancelToken: (() => void) | undefined;
  readonly #protocol: ProtocolFallback;

  constructor(opts: NormalizedOptions, deps: { clock: Clock; factory: MqttFactory; signals: BrowserSignals | null; logger: Logger }, hooks: ConnectionHooks) {
    this.#opts = opts;
    this.#clock = deps.clock;
    this.#factory = deps.factory;
    this.#signals = deps.signals;
    this.#log = deps.logger;
    this.#hooks = hooks;
    this.#protocol = new ProtocolFallback(opts.protocolVersion);
    this.#urls = new BrokerUrls(opts.url);
    this.#socket = new AttemptSocket(opts, this.#clock, this.#log, this.#protocol, hooks, {
      state: () => this.state,
      connack: (packet) => this.#onConnack(packet),
      failed: (error) => this.#attemptFailed(error),
      closed: () => this.#onSocketClosed(),
    });
    this.#probe = pingProbe(this.#clock, this.#log, opts.keepalive, this.#socket);
  }

  /** The token for an attempt with `auth`. */
  async #fetchToken(auth: NonNullable<NormalizedOptions['auth']>, attemptNo: number): Promise<ResolvedToken> {
    const cancel: { onCancel?: () => void } = {};
    this.#cancelToken = () => cancel.onCancel?.();
    const token = await resolveToken(auth, { attempt: attemptNo, reason: this.#nextReason }, this.#clock, cancel);
    this.#cancelToken = undefined;
    return token;
  }

  /**
   * After a CONNACK: the refresh of the token just sent is armed. Its code is fetched after the first CONNACK of a client
   * whose token provider is a function (a static token is never renewed), so no CONNECT waits for it; a fetch that
   * fails leaves the token to the broker (a refusal or a DISCONNECT brings a fresh one) and is tried after the next.
   */
  #armRefresh(): void {
    const auth = this.#opts.auth;
    if (this.#refresh) return this.#refresh.connected(auth, this.#token);
    if (!auth || typeof auth.token === 'string' || this.#refreshLoading) return;
    this.#refreshLoading = true;
    loadTokenRefresh().then(({ TokenRefresh }) => {
      this.#refreshLoading = false;
      const hooks = this.#hooks;
      this.#refresh ??= new TokenRefresh(this.#clock, {
        isConnected: () => this.state === 'connected',
        pause: () => hooks.pause(),
        inFlight: () => hooks.inFlight(),
        disconnect: () => {
          this.#log.info('token expiring: reconnecting with a fresh token');
          this.#socket.disconnect();
        },
      });
      if (this.state === 'connected') this.#refresh.connected(auth, this.#token);
    }, (cause: unknown) => {
      this.#refreshLoading = false;
      this.#log.warn('could not load the token refresh code of @webmqtt/client (a chunk next to it): the token is not renewed before it expires; trying again after the next CONNACK', { cause });
    });
  }

  /** MQTT.js's client, once the first attempt created it: a getter over a #private field (see the note above them). */
  get mqtt(): MqttClient | undefined {
    return this.#socket.mqtt;
  }

  /** The MQTT protocol version spoken (or to be tried next): 5, or 4 for 3.1.1. */
  get protocolVersion(): 4 | 5 {
    return this.#protocol.version;
  }

  /** True while new publishes must wait: a planned reconnect is draining in-flight messages. */
  get draining(): boolean {
    return this.#refresh?.draining ?? false;
  }

  /** Starts connecting (from idle or failed); resolves on CONNACK, rejects when the client fails or closes. */
  connect(): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'This client was closed; create a new one with createClient().'));
    }
    if (this.state === 'connected') return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    // While waiting to reconnect, connect() is "retry now": the attempt starts at once, the count goes on.
    if (this.state === 'reconnecting') this.retryNow();
    if (this.state === 'idle' || this.state === 'failed') {
      this.#retries.reset();
      this.#authRejections = 0;
      this.#nextReason = 'initial';
      this.#listenToBrowser();
      if (!this.#online()) this.#setState('offline');
      else void this.#attempt();
    }
    return done;
  }

  /** Ends everything: no timer, no listener, no socket left. Resolves once the DISCONNECT is out. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.#generation++;
    this.#clearTimers();
    this.#stopSignals?.();
    this.#stopSignals = undefined;
    const socket = this.#socket;
    const created = socket.mqtt !== undefined;
    // A graceful DISCONNECT (no will) when connected, an abrupt end otherwise, started before the state changes: the
    // DISCONNECT is written now, so the `packet` log shows it before `closed`.
    const ended = created ? socket.end(this.state === 'connected') : undefined;
    this.#setState('closed');
    this.#settleWaiters(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'The client was closed before it connected.'));
    if (!created) return;
    socket.release();
    await ended;
  }

  /** The browser (or the user) says: try now, forget the wait. */
  retryNow(): void {
    if (this.state !== 'reconnecting' && this.state !== 'offline') return;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retries.forgetDelay();
    void this.#attempt();
  }

  /** Breaks the socket abruptly, as a network would (tests, demo). The usual reconnect follows. */
  dropSocket(): void {
    this.#socket.drop();
  }

  /** Online as far as the browser says (and is listened to). */
  #online(): boolean {
    return !this.#signals || !this.#opts.browserEvents || this.#signals.isOnline();
  }

  #listenToBrowser(): void {
    if (this.#stopSignals || !this.#signals || !this.#opts.browserEvents) return;
    this.#stopSignals = this.#signals.listen((signal) => this.#onBrowserSignal(signal));
  }

  /** What signal-reaction.ts says a browser signal calls for, done. */
  #onBrowserSignal(signal: BrowserSignal): void {
    this.#log.debug('browser signal', { signal });
    switch (signalReaction(signal, this.state)) {
      case 'drop-socket':
        this.dropSocket();
        return;
      case 'go-offline':
        this.#generation++;
        this.#clearAttemptTimers();
        this.#socket.kill();
        this.#setState('offline');
        return;
      case 'replace-socket':
        this.#retryAfterClose = true;
        this.dropSocket();
        return;
      case 'ping':
        this.#probe.start(() => this.state === 'connected', () => this.dropSocket());
        return;
      case 'retry-now':
        this.retryNow();
        return;
      case 'none':
        return;
    }
  }

  /** One attempt: the URL, the token, MQTT.js (the first time), then the socket. */
  async #attempt(): Promise<void> {
    const generation = ++this.#generation;
    this.#clearAttemptTimers();
    const attemptNo = this.#retries.nextAttempt;
    if (this.state !== 'connecting') this.#setState('connecting', { attempt: attemptNo });
    let url: string;
    let token: ResolvedToken | undefined;
    try {
      url = await this.#urls.next();
      if (generation !== this.#generation) return;
      this.#attemptUrl = url;
      // Every credential, not only a token: the URL's userinfo and query, enhanced-auth data.
      checkTransport(url, this.#opts);
      const auth = this.#opts.auth;
      if (auth) {
        token = await this.#fetchToken(auth, attemptNo);
        if (generation !== this.#generation) return;
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#attemptFailed(toWebMqttError(error, ErrorCode.CONNECTION_REFUSED));
      return;
    }
    this.#token = token;
    if (!this.#socket.mqtt) {
      try {
        await this.#socket.create(this.#factory, url);
      } catch (error) {
        if (generation !== this.#generation) return;
        this.#attemptFailed(toWebMqttError(error, ErrorCode.CONNECTION_REFUSED, 'Could not start MQTT.js (see cause).'));
        return;
      }
      if (generation !== this.#generation) return;
    }
    this.#socket.open(url, token?.token);
  }

  #onConnack(packet: Record<string, unknown>): void {
    this.#authRejections = 0;
    this.#protocol.accepted();
    this.#retries.connected(this.#clock.now());
    this.#setState('connected');
    this.#hooks.connected(connectedInfo(packet, this.protocolVersion));
    this.#settleWaiters();
    this.#armRefresh();
  }

  /** The attempt's socket closed: a connection that was up is lost (or replaced as planned), or the attempt failed. */
  #onSocketClosed(): void {
    const socket = this.#socket;
    const goodbye = socket.goodbye;
    // The next attempt goes to the server the broker named, unless the credentials could not go there.
    if (goodbye?.serverReference && !this.#urls.follow(goodbye.serverReference, this.#attemptUrl ?? '', this.#opts)) {
      this.#log.warn('ignoring a Server Reference the credentials must not be sent to (plain ws:// to another host)');
    }
    if (this.state === 'connected') {
      const planned = this.#refresh?.socketClosed() ?? false;
      this.#retries.disconnected(this.#clock.now(), this.#opts.reconnect || NO_RECONNECT);
      // A planned reconnect (token refresh) or a socket replaced on purpose (pageshow) goes again at once.
      this.#nextReason = planned ? 'expiring' : 'reconnect';
      if (planned) void this.#attempt();
      else if (this.#retryAfterClose) {
        this.#retryAfterClose = false;
        void this.#attempt();
      } else this.#scheduleRetry(connectionLost(socket.outcome, goodbye, socket.error, this.protocolVersion), true);
      return;
    }
    if (this.state !== 'connecting') return;
    if (socket.connackReceived) {
      this.#nextReason = 'reconnect';
      this.#attemptFailed(socket.error ?? new WebMqttError(ErrorCode.CONNECTION_LOST, 'The connection was lost while MQTT.js re-sent unacknowledged messages; reconnecting.'));
      return;
    }
    this.#attemptFailed(socket.error ?? closedBeforeConnack(socket.outcome, socket.where));
  }

  #attemptFailed(error: WebMqttError): void {
    this.#clearAttemptTimers();
    if (this.state === 'closed') return;
    if (this.#protocol.retryInV4(error, this.#socket.outcome.opened)) {
      // The same node again, in 3.1.1, at once: not the next one of a cluster list.
      this.#urls.redirectTo(this.#attemptUrl);
      this.#log.info('no MQTT 5 CONNACK; trying MQTT 3.1.1');
      void this.#attempt();
      return;
    }
    switch (afterFailedAttempt(error, this.#authRejections, this.#opts.auth)) {
      case 'give-up':
        this.#fail(error);
        return;
      case 'fresh-token':
        this.#authRejections++;
        this.#hooks.error(error);
        this.#nextReason = 'rejected';
        this.#setState('reconnecting', { reason: error, attempt: this.#retries.nextAttempt, retryInMs: 0 });
        void this.#attempt();
        return;
      case 'backoff':
        this.#nextReason = 'reconnect';
        // Every failed attempt's reason reaches `error` listeners (connect() is still waiting: it was not rejected with it).
        this.#hooks.error(error);
        this.#scheduleRetry(error);
    }
  }

  /** Waits before the next attempt, or gives up; `lost`: the connection dropped (a wait, not a failed attempt). */
  #scheduleRetry(reason: WebMqttError, lost = false): void {
    const policy = this.#opts.reconnect;
    if (!policy) {
      this.#fail(reason);
      return;
    }
    if (!this.#online()) {
      this.#setState('offline', { reason });
      return;
    }
    const delay = lost ? this.#retries.lost(policy, this.#opts.random) : this.#retries.failed(policy, this.#opts.random);
    if (delay === undefined) {
      this.#fail(exhaustedError(this.#retries.failures, policy.maxAttempts, reason));
      return;
    }
    // `attempt` is the number of the attempt being waited for, as the `connecting` that follows says.
    this.#setState('reconnecting', { reason, attempt: this.#retries.nextAttempt, retryInMs: delay });
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#attempt();
    }, delay);
  }

  #fail(reason: WebMqttError): void {
    this.#generation++;
    this.#clearTimers();
    this.#socket.kill();
    this.lastFailure = reason;
    this.#setState('failed', { reason });
    this.#hooks.failed(reason);
    if (this.#waiters.length > 0) this.#settleWaiters(reason);
    else this.#hooks.error(reason);
  }

  #setState(next: ConnectionState, extra: Omit<StateChange, 'previous' | 'current'> = {}): void {
    const previous = this.state;
    if (previous === next) return;
    this.state = transition(previous, next);
    // Publishes and subscriptions go straight to the socket exactly while the table says so: they stop before anyone
    // hears of the new state (the CONNACK that enters such a state starts them again: onConnack).
    if (STATE_TABLE[previous].sendsDirectly && !STATE_TABLE[next].sendsDirectly) this.#hooks.disconnected();
    this.#log.debug('state', { previous, current: next, attempt: extra.attempt, retryInMs: extra.retryInMs, code: extra.reason?.code });
    this.#hooks.state({ previous, current: next, ...extra });
    if (STATE_TABLE[next].terminal) this.#clearTimers();
  }

  #settleWaiters(error?: WebMqttError): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  #clearAttemptTimers(): void {
    this.#cancelToken?.();
    this.#cancelToken = undefined;
    this.#probe.cancel();
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#socket.stopTimer();
  }

  #clearTimers(): void {
    this.#clearAttemptTimers();
    this.#refresh?.cancel();
  }
}
