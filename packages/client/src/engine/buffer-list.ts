import { Buffer } from './buffer';

/**
 * The byte queue mqtt-packet's parser reads from, in place of `bl` (whose BufferList is also a Duplex
 * stream, which the parser never uses). Chunks are kept as they arrive; they are joined only when a read
 * reaches past the first one, which the parser does once a packet is complete, so a large packet that
 * arrives in many WebSocket messages is copied once, not once per message.
 */
export class BufferList {
  #chunks: Buffer[] = [];
  length = 0;

  append(chunk: Uint8Array): this {
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : new Buffer(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.length));
      this.length += chunk.length;
    }
    return this;
  }

  /** Drops the first `bytes` bytes. */
  consume(bytes: number): this {
    let left = Math.min(Math.max(0, Math.trunc(bytes) || 0), this.length);
    this.length -= left;
    while (left > 0) {
      const first = this.#chunks[0]!;
      if (first.length > left) {
        this.#chunks[0] = first.subarray(left) as Buffer;
        break;
      }
      left -= first.length;
      this.#chunks.shift();
    }
    return this;
  }

  /** The first chunk, holding at least `end` bytes (joined with the next ones if it did not). */
  #head(end: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= end) return first;
    const joined = Buffer.concat(this.#chunks, this.length);
    this.#chunks = [joined];
    return joined;
  }

  readUInt8(offset: number): number {
    return this.#head(offset + 1).readUInt8(offset);
  }

  readUInt16BE(offset: number): number {
    return this.#head(offset + 2).readUInt16BE(offset);
  }

  readUInt32BE(offset: number): number {
    return this.#head(offset + 4).readUInt32BE(offset);
  }

  /** Bytes `start` to `end` (a view on what was received, as Node's Buffer#slice is). */
  slice(start = 0, end = this.length): Buffer {
    const to = Math.min(end, this.length);
    if (to <= start) return Buffer.alloc(0);
    return this.#head(to).subarray(start, to) as Buffer;
  }

  toString(_encoding?: string, start = 0, end = this.length): string {
    return this.slice(start, end).toString();
  }
}

/** `bl()` as mqtt-packet calls it: a new, empty list. */
export default function bl(): BufferList {
  return new BufferList();
}
