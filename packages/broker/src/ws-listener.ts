import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { closeServer, listen } from './listen.js';
import { quoteForLog, type FullLogger } from './logger.js';
import type { RequestPolicy } from './request-policy.js';
import { WebSocketDuplex } from './ws-transport.js';

/** MQTT over WebSocket subprotocols we speak, in order of preference. */
export const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'] as const;

/** The path MQTT is served on. */
export const MQTT_PATH = '/mqtt';

// After its socket is gone aedes needs a moment to notice; past this the stream is cut loose.
const STREAM_CLOSE_GRACE_MS = 2_000;

/** Options of {@link WsListener}. */
export interface WsListenerOptions {
  server: HttpServer | HttpsServer;
  /** Largest WebSocket message accepted, in bytes. */
  maxPayload: number;
  /** Name of the option that sets this listener's port, for error messages. */
  portField: string;
  /** Host and Origin checks every upgrade must pass. */
  policy: RequestPolicy;
  logger: FullLogger;
  /** Called with each new MQTT byte stream and the upgrade request it came from. */
  onStream(stream: WebSocketDuplex, req: IncomingMessage): void;
}

/**
 * One HTTP(S) server carrying MQTT over WebSocket on {@link MQTT_PATH}. It keeps track of its
 * connections so it can drop them all and stop listening without leaving anything open.
 * Upgrades for another host name (DNS rebinding) or from a page of a foreign origin are answered
 * 403 before any WebSocket exists: a browser page must not reach the broker just by being open.
 */
export class WsListener {
  private readonly wss: WebSocketServer;
  private readonly streams = new Set<WebSocketDuplex>();
  private accepting = false;

  constructor(private readonly options: WsListenerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      clientTracking: false,
      handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    this.wss.on('connection', (ws, req) => {
      if (!this.accepting) {
        ws.terminate();
        return;
      }
      const stream = new WebSocketDuplex(ws);
      this.streams.add(stream);
      stream.once('close', () => this.streams.delete(stream));
      options.onStream(stream, req);
    });
    // Errors of the http server surface through listen(); this only keeps ws from throwing.
    this.wss.on('error', () => {});
    options.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== MQTT_PATH) {
      refuseUpgrade(socket, 400);
      return;
    }
    const refusal = this.options.policy.refusal(req.headers);
    if (refusal !== undefined) {
      this.options.logger.info(
        `refused a WebSocket (host ${quoteForLog(req.headers.host)}, origin ${quoteForLog(req.headers.origin)}): ${refusal.reason}`,
      );
      refuseUpgrade(socket, refusal.status);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Number of open WebSocket connections. */
  get connections(): number {
    return this.streams.size;
  }

  /** Starts listening; resolves with the bound port. */
  async listen(port: number, host: string): Promise<number> {
    this.accepting = true;
    try {
      return await listen(this.options.server, port, host, this.options.portField);
    } catch (error) {
      this.accepting = false;
      throw error;
    }
  }

  /** Cuts every connection without a closing handshake (as a network failure would) and waits until they are gone. */
  async dropAll(): Promise<void> {
    const streams = [...this.streams];
    for (const stream of streams) stream.socket.terminate();
    await Promise.all(streams.map(waitClosed));
  }

  /** Stops listening, drops every connection, and resolves once the server is fully closed. */
  async close(): Promise<void> {
    this.accepting = false;
    const closed = closeServer(this.options.server);
    await this.dropAll();
    await closed;
  }
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number): void {
  socket.on('error', () => {});
  socket.once('finish', () => socket.destroy());
  const reason = STATUS_CODES[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
}

async function waitClosed(stream: WebSocketDuplex): Promise<void> {
  if (stream.closed) return;
  const timer = setTimeout(() => stream.destroy(), STREAM_CLOSE_GRACE_MS);
  // Not events.once(): it would reject when the stream emits 'error' before 'close'.
  await new Promise<void>((resolve) => stream.once('close', () => resolve()));
  clearTimeout(timer);
}
