import { EventEmitter } from './event-emitter';
import { nextTick } from './next-tick';

type Callback = (error?: Error | null) => void;

/**
 * The two `readable-stream` classes MQTT.js's client and store use, for the lean browser build (rollup
 * resolves `readable-stream` here). Only what MQTT.js relies on: a `Writable` whose `_write` calls are
 * strictly one at a time (the parser sink hands `done` to its packet handlers and calls it when they have
 * all run), and an object-mode `Readable` read with `read()` (the outgoing store's re-send stream).
 */
export class Writable extends EventEmitter {
  writable = true;
  destroyed = false;
  #queue: Array<[unknown, Callback | undefined]> = [];
  /** Index of the next chunk in #queue (no shift(): that is O(n) per chunk). */
  #head = 0;
  #busy = false;

  _write(_chunk: unknown, _encoding: string, done: Callback): void {
    done(new Error('Writable: _write() is not implemented'));
  }

  /** Queues `chunk`; returns true (nothing here holds back the writer). */
  write(chunk: unknown, encoding?: string | Callback, cb?: Callback): boolean {
    const callback = typeof encoding === 'function' ? encoding : cb;
    if (this.destroyed || !this.writable) {
      const error = new Error('write after end');
      nextTick(() => callback?.(error));
      return false;
    }
    this.#queue.push([chunk, callback]);
    this.#next();
    return true;
  }

  /** Hands queued chunks to `_write` one at a time: the next only once the previous one's `done` ran. */
  #next(): void {
    while (!this.#busy && !this.destroyed && this.#head < this.#queue.length) {
      const [chunk, callback] = this.#queue[this.#head++]!;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      this.#busy = true;
      let sync = true;
      let finished = false;
      this._write(chunk, 'buffer', (error) => {
        if (finished) return;
        finished = true;
        this.#busy = false;
        callback?.(error);
        if (error) this.destroy(error);
        // Finished synchronously: the loop above goes on (no recursion); later: start it again.
        else if (!sync) this.#next();
      });
      sync = false;
    }
  }

  end(cb?: () => void): this {
    this.writable = false;
    if (cb) nextTick(cb);
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    this.#queue = [];
    this.#head = 0;
    nextTick(() => {
      if (error) this.emit('error', error);
      this.emit('close');
    });
    return this;
  }
}

/**
 * Object mode only. `read()` asks `_read` for the next value when none is buffered; a value pushed
 * synchronously from `_read` is returned at once, `push(null)` ends the stream (`'end'` follows on the
 * next tick, once the buffer is empty), and a value pushed later emits `'readable'`.
 */
export class Readable extends EventEmitter {
  destroyed = false;
  #buffer: unknown[] = [];
  #ended = false;
  #endEmitted = false;
  #reading = false;

  constructor(_options?: { objectMode?: boolean }) {
    super();
  }

  _read(_size?: number): void {
    this.push(null);
  }

  push(value: unknown): boolean {
    if (this.#ended) return false;
    if (value === null) {
      this.#ended = true;
      if (this.#buffer.length === 0) this.#scheduleEnd();
      if (!this.#reading) nextTick(() => this.emit('readable'));
      return false;
    }
    this.#buffer.push(value);
    if (!this.#reading) nextTick(() => this.emit('readable'));
    return true;
  }

  read(_size?: number): unknown {
    if (this.#buffer.length === 0 && !this.#ended) {
      this.#reading = true;
      try {
        this._read(1);
      } finally {
        this.#reading = false;
      }
    }
    if (this.#buffer.length > 0) {
      const value = this.#buffer.shift();
      if (this.#buffer.length === 0 && this.#ended) this.#scheduleEnd();
      return value;
    }
    return null;
  }

  #scheduleEnd(): void {
    if (this.#endEmitted) return;
    this.#endEmitted = true;
    nextTick(() => {
      if (!this.destroyed) this.emit('end');
    });
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    nextTick(() => {
      if (error) this.emit('error', error);
      this.emit('close');
    });
    return this;
  }
}
