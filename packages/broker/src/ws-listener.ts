import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { WebSocketServer } from 'ws';
import { closeServer, listen } from './listen.js';
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
  /** Called with each new MQTT byte stream and the upgrade request it came from. */
  onStream(stream: WebSocketDuplex, req: IncomingMessage): void;
}

/**
 * One HTTP(S) server carrying MQTT over WebSocket on {@link MQTT_PATH}. It keeps track of its
 * connections so it can drop them all and stop listening without leaving anything open.
 */
export class WsListener {
  private readonly wss: WebSocketServer;
  private readonly streams = new Set<WebSocketDuplex>();
  private accepting = false;

  constructor(private readonly options: WsListenerOptions) {
    this.wss = new WebSocketServer({
      server: options.server,
      path: MQTT_PATH,
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

async function waitClosed(stream: WebSocketDuplex): Promise<void> {
  if (stream.closed) return;
  const timer = setTimeout(() => stream.destroy(), STREAM_CLOSE_GRACE_MS);
  // Not events.once(): it would reject when the stream emits 'error' before 'close'.
  await new Promise<void>((resolve) => stream.once('close', () => resolve()));
  clearTimeout(timer);
}
