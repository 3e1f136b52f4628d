import type { WebSocketLike } from '../../src/connection/batching-socket';

type Listener = (event: any) => void;

/**
 * A browser WebSocket that records what is sent; `dispatch()` plays the browser's events (and moves
 * readyState as the browser does: OPEN on 'open', CLOSED on 'close').
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  binaryType = 'blob';
  bufferedAmount = 0;
  readonly protocol = 'mqtt';
  /** Each send, as bytes (a copy, as a real send makes), or as the string it was given. */
  sent: Array<number[] | string> = [];
  closeCalls = 0;
  /** Bytes each send adds to bufferedAmount (0: the network keeps up). */
  bufferPerSend = 0;
  readonly listeners = new Map<string, Listener[]>();

  constructor(
    readonly url = 'ws://broker/mqtt',
    readonly protocols: string[] = [],
  ) {}

  send(data: ArrayBuffer | Uint8Array<ArrayBuffer> | string): void {
    if (this.readyState === 0) throw new Error('InvalidStateError: still CONNECTING');
    this.sent.push(typeof data === 'string' ? data : [...(ArrayBuffer.isView(data) ? data : new Uint8Array(data))]);
    this.bufferedAmount += this.bufferPerSend;
  }

  close(): void {
    this.closeCalls++;
    if (this.readyState < 2) this.readyState = 2;
  }

  addEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }

  removeEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, (this.listeners.get(type) ?? []).filter((f) => f !== fn));
  }

  dispatch(type: string, event: object = {}): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'close') this.readyState = 3;
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }

  open(): this {
    this.dispatch('open');
    return this;
  }

  /** Every byte sent, in order (a text frame fails the test: MQTT over WebSocket is binary only). */
  get bytes(): number[] {
    return this.sent.flatMap((message) => {
      if (typeof message === 'string') throw new Error(`a text frame was sent: ${JSON.stringify(message)}`);
      return message;
    });
  }
}
