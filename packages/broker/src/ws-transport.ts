import { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { splitPackets } from './packet-splitter.js';

/** WebSocket close codes the transport uses (RFC 6455, section 7.4.1). */
export const CloseCode = {
  NORMAL: 1000,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
} as const;

/** An error that says which close code the peer should see. */
class TransportError extends Error {
  constructor(
    message: string,
    readonly closeCode: number,
  ) {
    super(message);
  }
}

/**
 * A byte stream over one WebSocket, for aedes to read MQTT from and write MQTT to.
 *
 * Why not ws's `createWebSocketStream`: aedes (through mqtt-packet) writes one packet as several
 * small chunks inside a cork/uncork pair, and a plain stream sends every chunk as its own frame,
 * about five frames per PUBLISH. Here a corked batch arrives in `_writev`, is cut at packet
 * boundaries, and every MQTT packet leaves as exactly one binary frame.
 *
 * Backpressure: the write callback is held while ws has more than `writableHighWaterMark` bytes
 * queued, so aedes sees `write() === false` and waits for `drain`.
 */
export class WebSocketDuplex extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  private readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    super({ allowHalfOpen: false, decodeStrings: true });
    this.ws = ws;
    ws.on('message', this.onMessage);
    ws.once('close', this.onClose);
    ws.on('error', this.onError);
  }

  /** The socket underneath, e.g. to terminate it without a closing handshake. */
  get socket(): WebSocket {
    return this.ws;
  }

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    if (!isBinary) {
      this.destroy(new TransportError('text frames are not MQTT', CloseCode.UNSUPPORTED_DATA));
      return;
    }
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!this.push(chunk)) this.ws.pause();
  };

  private readonly onClose = (): void => {
    // End the readable side rather than destroying: bytes already pushed (a DISCONNECT just
    // before the close) must still reach aedes, or it would publish the will by mistake.
    if (!this.destroyed) this.push(null);
  };

  private readonly onError = (error: Error): void => {
    this.destroy(error);
  };

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sendPackets([chunk], callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.sendPackets(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  private sendPackets(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      callback(new Error('WebSocket is not open'));
      return;
    }
    const { packets, rest } = splitPackets(Buffer.concat([this.pending, ...chunks]));
    this.pending = rest;
    let done = false;
    const finish = (error?: Error | null): void => {
      if (done) return;
      done = true;
      callback(error ?? null);
    };
    const last = packets.length - 1;
    packets.forEach((packet, i) => {
      this.ws.send(packet, { binary: true }, i === last ? finish : undefined);
    });
    // Only hold aedes back while ws has a backlog; otherwise the next packet may go at once.
    if (packets.length === 0 || this.ws.bufferedAmount <= this.writableHighWaterMark) finish();
  }

  override _final(callback: (error?: Error | null) => void): void {
    closeSocket(this.ws, CloseCode.NORMAL);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.ws.off('message', this.onMessage);
    this.ws.off('close', this.onClose);
    this.ws.off('error', this.onError);
    // ws must keep an error listener: a late socket error would otherwise crash the process.
    this.ws.on('error', ignore);
    const code = error === null ? CloseCode.NORMAL : error instanceof TransportError ? error.closeCode : CloseCode.PROTOCOL_ERROR;
    closeSocket(this.ws, code);
    callback(error);
  }
}

function ignore(): void {}

/** Closes with a handshake, so frames already queued (a refusing CONNACK) still reach the peer. */
function closeSocket(ws: WebSocket, code: number): void {
  if (ws.readyState === WebSocket.OPEN) ws.close(code);
  else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
}
