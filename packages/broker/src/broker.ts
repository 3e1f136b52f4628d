import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Aedes, Client } from 'aedes';
import type { JWTPayload } from 'jose';
import { createAedes, persistenceOf } from './aedes-factory.js';
import { createAuthenticator, type Authenticator } from './auth.js';
import { createRequestHandler } from './control-endpoints.js';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { ExpiryTimers } from './expiry-timers.js';
import { normalizeOptions, type BrokerOptions, type NormalizedOptions, type TlsOptions } from './options.js';
import { loadOrCreateDevCertificate } from './tls-cert.js';
import { tokenFromUrl } from './token-source.js';
import { issueDevToken } from './tokens.js';
import { MQTT_PATH, WsListener } from './ws-listener.js';
import type { WebSocketDuplex } from './ws-transport.js';

/** Where clients connect. `wss` is undefined when WSS is turned off. */
export interface BrokerUrls {
  ws: string;
  wss: string | undefined;
}

/** Options of {@link Broker.issueToken}. */
export interface IssueTokenOptions {
  /** The `sub` claim. Default `"dev"`. */
  sub?: string;
  /** Lifetime in seconds. Default 3600. */
  ttl?: number;
  /** Extra claims. */
  claims?: JWTPayload;
}

/** `running`: listening; `paused`: ports closed, can resume; `stopped`: final. */
export type BrokerState = 'running' | 'paused' | 'stopped';

/** A running broker, as returned by {@link startBroker}. */
export interface Broker {
  /** Connection URLs with the bound ports. */
  readonly urls: BrokerUrls;
  /** Bound port of the WebSocket listener. */
  readonly wsPort: number;
  /** Bound port of the WSS listener, undefined when WSS is off. */
  readonly wssPort: number | undefined;
  /** The interface listened on. */
  readonly host: string;
  /** PEM of the WSS certificate (give it to clients as `ca`), undefined when WSS is off. */
  readonly certificate: string | undefined;
  /** Number of connected (authenticated) MQTT clients. */
  readonly clients: number;
  readonly state: BrokerState;
  /**
   * Signs an HS256 token this broker accepts. Throws `CANNOT_ISSUE_TOKEN` when the broker has no
   * HS256 secret (JWKS-only or anonymous-only auth).
   */
  issueToken(options?: IssueTokenOptions): Promise<string>;
  /** Cuts every client connection abruptly (no DISCONNECT, so wills fire); keeps listening. */
  dropConnections(): Promise<void>;
  /** Stops listening and drops every client; {@link Broker.resume} listens again on the same ports. */
  pause(): Promise<void>;
  /** Listens again on the same ports after {@link Broker.pause}. */
  resume(): Promise<void>;
  /** `pause()` then `resume()`: clients are dropped; retained messages and sessions are kept. */
  restart(): Promise<void>;
  /** Stops for good and frees the ports. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts an MQTT 3.1.1 broker (aedes) served over WebSocket (`/mqtt`) and, unless turned off,
 * WSS with a cached self-signed `localhost` certificate.
 *
 * @example
 * ```ts
 * const broker = await startBroker({ wsPort: 0, wssPort: false });
 * const token = await broker.issueToken({ sub: 'demo', ttl: 3600 });
 * const client = await mqtt.connectAsync(broker.urls.ws, { password: token });
 * // …
 * await broker.stop();
 * ```
 */
export async function startBroker(options?: BrokerOptions): Promise<Broker> {
  const normalized = normalizeOptions(options);
  const authenticator = await createAuthenticator(normalized.auth);
  const tls = normalized.wssPort === false ? undefined : await resolveTls(normalized);
  const broker = new MqttWsBroker(normalized, authenticator, tls);
  await broker.resume();
  return broker;
}

async function resolveTls(options: NormalizedOptions): Promise<TlsOptions> {
  if (options.tls) return options.tls;
  const dev = await loadOrCreateDevCertificate({
    dir: options.certDir,
    onCacheError: (error) => options.logger.warn(`cannot cache the TLS certificate in ${options.certDir}: ${String(error)}`),
    onWarning: (message) => options.logger.warn(message),
  });
  options.logger.debug(dev.created ? `generated a self-signed certificate` : `reusing the cached self-signed certificate`);
  return { key: dev.key, cert: dev.cert };
}

class MqttWsBroker implements Broker {
  private currentState: BrokerState = 'paused';
  private aedes: Aedes | undefined;
  private persistence: unknown;
  private boundWsPort: number;
  private boundWssPort: number | undefined;
  private readonly ws: WsListener;
  private readonly wss: WsListener | undefined;
  private readonly queryTokens = new WeakMap<object, string>();
  private readonly expiry = new ExpiryTimers<Client>();
  private readonly startedAt = Date.now();
  // Lifecycle calls run one after another, so pause/resume/stop never interleave.
  private lifecycle: Promise<unknown> = Promise.resolve();

  readonly certificate: string | undefined;

  constructor(
    private readonly options: NormalizedOptions,
    private readonly authenticator: Authenticator,
    tls: TlsOptions | undefined,
  ) {
    this.boundWsPort = options.wsPort;
    this.boundWssPort = options.wssPort === false ? undefined : options.wssPort;
    this.certificate = tls ? tls.cert.toString() : undefined;

    const onRequest = createRequestHandler(
      {
        clients: () => this.clients,
        uptimeSeconds: () => Math.round((Date.now() - this.startedAt) / 1000),
        dropConnections: () => this.dropConnections(),
      },
      { enabled: options.controlEndpoints, policy: options.requestPolicy, logger: options.logger },
    );
    const onStream = (stream: WebSocketDuplex, req: { url?: string | undefined }): void => this.accept(stream, req.url);
    const listener = { maxPayload: options.maxPacketSize, policy: options.requestPolicy, logger: options.logger, onStream };
    this.ws = new WsListener({ ...listener, server: createHttpServer(onRequest), portField: 'wsPort' });
    this.wss = tls ? new WsListener({ ...listener, server: createHttpsServer(tls, onRequest), portField: 'wssPort' }) : undefined;
  }

  get urls(): BrokerUrls {
    return {
      ws: `ws://${urlHost(this.options.host)}:${this.boundWsPort}${MQTT_PATH}`,
      wss: this.wss ? `wss://${tlsUrlHost(this.options.host)}:${this.boundWssPort}${MQTT_PATH}` : undefined,
    };
  }

  get wsPort(): number {
    return this.boundWsPort;
  }

  get wssPort(): number | undefined {
    return this.boundWssPort;
  }

  get host(): string {
    return this.options.host;
  }

  get clients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  get state(): BrokerState {
    return this.currentState;
  }

  async issueToken(options: IssueTokenOptions = {}): Promise<string> {
    const jwt = this.options.auth.jwt;
    if (jwt?.secret === undefined) {
      throw new BrokerError(
        BrokerErrorCode.CANNOT_ISSUE_TOKEN,
        'this broker has no HS256 secret to sign tokens with (auth is JWKS-only or anonymous-only)',
      );
    }
    return issueDevToken(jwt.secret, {
      sub: options.sub ?? 'dev',
      ttlSeconds: options.ttl ?? 3600,
      ...(options.claims === undefined ? {} : { claims: options.claims }),
      ...(jwt.issuer === undefined ? {} : { issuer: Array.isArray(jwt.issuer) ? jwt.issuer[0] ?? '' : jwt.issuer }),
      ...(jwt.audience === undefined ? {} : { audience: jwt.audience }),
    });
  }

  async dropConnections(): Promise<void> {
    await Promise.all([this.ws.dropAll(), this.wss?.dropAll()]);
  }

  pause(): Promise<void> {
    return this.serially(() => this.doPause());
  }

  resume(): Promise<void> {
    return this.serially(() => this.doResume());
  }

  restart(): Promise<void> {
    return this.serially(async () => {
      await this.doPause();
      await this.doResume();
    });
  }

  stop(): Promise<void> {
    return this.serially(async () => {
      await this.doPause();
      this.currentState = 'stopped';
    });
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    this.lifecycle = next.catch(() => {});
    return next;
  }

  private accept(stream: WebSocketDuplex, url: string | undefined): void {
    const aedes = this.aedes;
    if (aedes === undefined) {
      stream.destroy();
      return;
    }
    const token = tokenFromUrl(url, this.options.auth.queryParams);
    if (token !== undefined) this.queryTokens.set(stream, token);
    aedes.handle(stream);
  }

  private async doResume(): Promise<void> {
    if (this.currentState === 'stopped') {
      throw new BrokerError(BrokerErrorCode.BROKER_STOPPED, 'the broker was stopped; start a new one');
    }
    if (this.currentState === 'running') return;
    const { auth, logger, host } = this.options;
    this.aedes = await createAedes({
      auth,
      authenticator: this.authenticator,
      queryTokens: this.queryTokens,
      expiry: this.expiry,
      logger,
      persistence: this.persistence,
    });
    try {
      this.boundWsPort = await this.ws.listen(this.boundWsPort, host);
      if (this.wss) this.boundWssPort = await this.wss.listen(this.boundWssPort ?? 0, host);
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    this.currentState = 'running';
    logger.info(`listening on ${[this.urls.ws, this.urls.wss].filter(Boolean).join(' and ')}`);
  }

  private async doPause(): Promise<void> {
    if (this.currentState !== 'running') return;
    this.currentState = 'paused';
    await this.shutdown();
    this.options.logger.info('stopped listening');
  }

  /** Closes listeners (dropping clients, so wills fire) and then aedes, keeping its persistence. */
  private async shutdown(): Promise<void> {
    await Promise.all([this.ws.close(), this.wss?.close()]);
    this.expiry.cancelAll();
    const aedes = this.aedes;
    this.aedes = undefined;
    if (aedes) {
      this.persistence = persistenceOf(aedes);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::']);

function urlHost(host: string): string {
  if (WILDCARD_HOSTS.has(host)) return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

// The self-signed certificate names `localhost`, so WSS URLs use that name for local interfaces.
function tlsUrlHost(host: string): string {
  return LOOPBACK_HOSTS.has(host) ? 'localhost' : urlHost(host);
}
