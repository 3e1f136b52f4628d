/** The part of a browser WebSocket that MQTT.js's browser transport uses (and that we wrap). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  readonly bufferedAmount: number;
  readonly url: string;
  readonly protocol: string;
  send(data: ArrayBuffer | Uint8Array<ArrayBuffer> | string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

export interface BatchingOptions {
  /** Largest WebSocket message sent; bigger writes are split (MQTT over WebSocket allows a packet across messages). */
  maxMessageBytes: number;
  /** Runs `fn` once the current task's synchronous work is done (default: queueMicrotask). */
  schedule?: (fn: () => void) => void;
  /**
   * When set, binary messages received are handed to MQTT.js in one piece per `deliverLater` call
   * rather than one by one: MQTT.js's streams cost the same per chunk whatever its size.
   */
  deliverLater?: (fn: () => void) => void;
}

type Listener = (event: any) => void;

const EVENTS = ['open', 'message', 'error', 'close'] as const;

/**
 * A WebSocket as MQTT.js sees it, over a real one: the many small writes of one task (MQTT.js writes
 * a packet in several pieces) leave as few WebSocket messages of at most `maxMessageBytes`, and a
 * large write (MQTT.js joins everything written while its stream was corked: a 20,000-message
 * burst is 1.7 MB) is split. Order is kept; everything pending goes out before `close()`.
 */
export class BatchingSocket implements WebSocketLike {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly #ws: WebSocketLike;
  readonly #max: number;
  readonly #schedule: (fn: () => void) => void;
  readonly #deliverLater: ((fn: () => void) => void) | undefined;
  readonly #listeners = new Map<string, Listener[]>();
  /** Bytes written and not yet sent: one reused buffer, since send() copies what it is given. */
  #out: Uint8Array<ArrayBuffer> | undefined;
  #outLength = 0;
  #flushDue = false;
  #in: ArrayBuffer[] = [];
  #inBytes = 0;
  #deliverDue = false;

  constructor(ws: WebSocketLike, options: BatchingOptions) {
    this.#ws = ws;
    this.#max = Math.max(1, Math.floor(options.maxMessageBytes));
    this.#schedule = options.schedule ?? ((fn) => queueMicrotask(fn));
    this.#deliverLater = options.deliverLater;
    for (const type of EVENTS) ws.addEventListener(type, (event) => this.#onEvent(type, event));
  }

  get readyState(): number {
    return this.#ws.readyState;
  }

  get binaryType(): string {
    return this.#ws.binaryType;
  }

  set binaryType(value: string) {
    this.#ws.binaryType = value;
  }

  /** What the socket holds plus what waits here: MQTT.js's back-pressure check reads it. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount + this.#outLength;
  }

  get url(): string {
    return this.#ws.url;
  }

  get protocol(): string {
    return this.#ws.protocol;
  }

  send(data: ArrayBuffer | ArrayBufferView<ArrayBuffer> | string): void {
    if (typeof data === 'string' || this.#ws.readyState !== this.OPEN) {
      // Not ours to batch: keep order and let the socket do what it does (throw while connecting).
      this.flush();
      this.#ws.send(data as string);
      return;
    }
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const max = this.#max;
    if (this.#outLength + bytes.byteLength > max) this.flush();
    if (bytes.byteLength >= max) {
      for (let at = 0; at < bytes.byteLength; at += max) this.#ws.send(bytes.subarray(at, Math.min(at + max, bytes.byteLength)));
      return;
    }
    const out: Uint8Array<ArrayBuffer> = (this.#out ??= new Uint8Array(max));
    out.set(bytes, this.#outLength);
    this.#outLength += bytes.byteLength;
    if (!this.#flushDue) {
      this.#flushDue = true;
      this.#schedule(() => {
        this.#flushDue = false;
        this.flush();
      });
    }
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.#outLength === 0) return;
    const length = this.#outLength;
    this.#outLength = 0;
    this.#ws.send((this.#out as Uint8Array<ArrayBuffer>).subarray(0, length));
  }

  close(code?: number, reason?: string): void {
    if (this.#ws.readyState === this.OPEN) this.flush();
    this.#outLength = 0;
    if (code === undefined) this.#ws.close();
    else this.#ws.close(code, reason);
  }

  addEventListener(type: string, listener: Listener): void {
    const list = this.#listeners.get(type);
    if (list) list.push(listener);
    else this.#listeners.set(type, [listener]);
  }

  removeEventListener(type: string, listener: Listener): void {
    const list = this.#listeners.get(type);
    const at = list ? list.indexOf(listener) : -1;
    if (at >= 0) list!.splice(at, 1);
  }

  #emit(type: string, event: unknown): void {
    const list = this.#listeners.get(type);
    if (!list) return;
    for (const listener of list.slice()) listener(event);
  }

  #onEvent(type: string, event: any): void {
    if (type === 'message' && this.#deliverLater && event.data instanceof ArrayBuffer) {
      this.#in.push(event.data);
      this.#inBytes += event.data.byteLength;
      if (!this.#deliverDue) {
        this.#deliverDue = true;
        this.#deliverLater(() => this.#deliver());
      }
      return;
    }
    // Whatever arrived before a close, an error or a text message is handed over first.
    this.#deliver();
    this.#emit(type, event);
  }

  #deliver(): void {
    this.#deliverDue = false;
    const parts = this.#in;
    if (parts.length === 0) return;
    let data = parts[0] as ArrayBuffer;
    if (parts.length > 1) {
      const joined = new Uint8Array(this.#inBytes);
      let at = 0;
      for (const part of parts) {
        joined.set(new Uint8Array(part), at);
        at += part.byteLength;
      }
      data = joined.buffer;
    }
    this.#in = [];
    this.#inBytes = 0;
    this.#emit('message', { data });
  }
}
