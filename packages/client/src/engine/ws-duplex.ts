import { Buffer } from './buffer';
import { EventEmitter } from './event-emitter';
import { nextTick } from './next-tick';
import type { WebSocketLike } from '../connection/batching-socket';

/** What the duplex needs besides the socket. */
export interface WebSocketDuplexOptions {
  /** Above this many bytes waiting in the socket, `write()` returns false and `'drain'` follows later. */
  highWaterMark?: number;
  /** Schedules the check for `'drain'` (the SDK's clock). */
  setTimeout: (fn: () => void, ms: number) => unknown;
}

/** How often `bufferedAmount` is looked at while a writer waits for `'drain'`. */
const DRAIN_POLL_MS = 10;

/**
 * The stream MQTT.js's client reads and writes, over a browser WebSocket (in the lean browser build, in
 * place of MQTT.js's browser transport and its readable-stream Transform/Duplex). What MQTT.js relies on:
 * `write(chunk)` (strings as UTF-8) with `false` + `'drain'` for back-pressure, writes made before the
 * socket opens sent once it does, in order; `pipe(sink)` for what arrives; `end()` closes the socket
 * after what was written; `destroy(error?)` closes it at once; `'error'` (from `destroy(error)` only) then
 * `'close'`, once, on a later tick. No `cork()`: the socket below joins the writes of one task into one
 * WebSocket message (see batching-socket.ts), which is what MQTT.js corks for.
 */
export class WebSocketDuplex extends EventEmitter {
  destroyed = false;
  writable = true;
  readonly socket: WebSocketLike;
  readonly #options: WebSocketDuplexOptions;
  /** Above this many bytes waiting in the socket, writers are held back (default 1 MiB). */
  readonly #highWaterMark: number;
  #sink: { write(chunk: Buffer): unknown } | undefined;
  #pending: Array<string | Uint8Array> = [];
  #drainDue = false;
  #closeEmitted = false;

  constructor(socket: WebSocketLike, options: WebSocketDuplexOptions) {
    super();
    this.socket = socket;
    this.#options = options;
    this.#highWaterMark = options.highWaterMark ?? 1024 * 1024;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => this.#flushPending());
    socket.addEventListener('message', (event: { data: unknown }) => this.#receive(event.data));
    socket.addEventListener('close', () => this.destroy());
    // A failed WebSocket says nothing more than that it failed (its close event gives the code).
    socket.addEventListener('error', () => this.destroy(Object.assign(new Error('WebSocket error'), { event: 'error' })));
  }

  pipe<T extends { write(chunk: Buffer): unknown }>(sink: T): T {
    this.#sink = sink;
    return sink;
  }

  write(chunk: string | Uint8Array, encoding?: string | (() => void), cb?: () => void): boolean {
    const callback = typeof encoding === 'function' ? encoding : cb;
    if (this.destroyed || !this.writable) return false;
    if (this.socket.readyState === 0 || this.#pending.length > 0) this.#pending.push(chunk);
    else this.#send(chunk);
    if (callback) nextTick(callback);
    const below = this.socket.bufferedAmount <= this.#highWaterMark;
    if (!below) this.#waitForDrain();
    return below;
  }

  end(cb?: () => void): this {
    if (!this.writable) return this;
    this.writable = false;
    if (cb) this.once('close', cb);
    // Still connecting: close once what was written has gone.
    if (this.socket.readyState === 0) this.socket.addEventListener('open', () => this.socket.close());
    else this.socket.close();
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    this.#pending = [];
    if (this.socket.readyState <= 1) this.socket.close();
    nextTick(() => {
      if (error) this.emit('error', error);
      this.#emitClose();
    });
    return this;
  }

  /** MQTT.js raises the listener limit of Node streams; nothing here has one. */
  override setMaxListeners(_n: number): this {
    return this;
  }

  #emitClose(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.emit('close');
  }

  #send(chunk: string | Uint8Array): void {
    this.socket.send(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array<ArrayBuffer>));
  }

  #flushPending(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of pending) this.#send(chunk);
  }

  #receive(data: unknown): void {
    if (this.destroyed || !this.#sink) return;
    if (data instanceof ArrayBuffer) this.#sink.write(new Buffer(data));
    else if (typeof data === 'string') this.#sink.write(Buffer.from(data));
  }

  #waitForDrain(): void {
    if (this.#drainDue) return;
    this.#drainDue = true;
    const check = (): void => {
      if (this.destroyed) return;
      if (this.socket.bufferedAmount > this.#highWaterMark) {
        this.#options.setTimeout(check, DRAIN_POLL_MS);
        return;
      }
      this.#drainDue = false;
      this.emit('drain');
    };
    this.#options.setTimeout(check, DRAIN_POLL_MS);
  }
}
