/**
 * The part of Node's `Buffer` that mqtt-packet and MQTT.js use, over `Uint8Array`, for the lean browser
 * build (rollup resolves `buffer` here). Unlike Node's, `slice` copies (Uint8Array semantics); mqtt-packet
 * only slices what it keeps. Text is UTF-8 only: the MQTT protocol has no other encoding.
 */
let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;
const utf8 = (): TextEncoder => (encoder ??= new TextEncoder());

type Source = string | ArrayBuffer | ArrayLike<number> | Uint8Array;

class NodeBuffer extends Uint8Array {
  static alloc(size: number): NodeBuffer {
    return new NodeBuffer(size);
  }

  static allocUnsafe(size: number): NodeBuffer {
    return new NodeBuffer(size);
  }

  static isBuffer(value: unknown): value is NodeBuffer {
    return value instanceof NodeBuffer;
  }

  static byteLength(value: string | ArrayBuffer | ArrayBufferView): number {
    if (typeof value !== 'string') return value.byteLength;
    // UTF-8 length without encoding: 1 byte below U+0080, 2 below U+0800, 4 for a surrogate pair, else 3.
    let bytes = value.length;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code < 0x80) continue;
      if (code < 0x800) bytes += 1;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        bytes += 2;
        i++;
      } else bytes += 2;
    }
    return bytes;
  }

  static concat(list: readonly Uint8Array[], totalLength?: number): NodeBuffer {
    const total = totalLength ?? list.reduce((sum, part) => sum + part.length, 0);
    const out = new NodeBuffer(total);
    let pos = 0;
    for (const part of list) {
      if (pos >= total) break;
      const piece = part.length > total - pos ? part.subarray(0, total - pos) : part;
      out.set(piece, pos);
      pos += piece.length;
    }
    return out;
  }

  /** Writes `text` as UTF-8 at `offset`; returns the bytes written. */
  write(text: string, offset = 0): number {
    return utf8().encodeInto(text, this.subarray(offset)).written;
  }

  override toString(_encoding?: string, start = 0, end = this.length): string {
    // ignoreBOM: keep a leading U+FEFF, as Node does (a topic may start with one).
    return (decoder ??= new TextDecoder('utf-8', { ignoreBOM: true })).decode(this.subarray(start, end));
  }

  /** Copies into `target` at `targetStart`; returns the bytes copied. */
  copy(target: Uint8Array, targetStart = 0, start = 0, end = this.length): number {
    const piece = this.subarray(start, Math.min(end, start + target.length - targetStart));
    target.set(piece, targetStart);
    return piece.length;
  }

  equals(other: Uint8Array): boolean {
    return this.length === other.length && this.every((byte, i) => byte === other[i]);
  }

  readUInt8(offset = 0): number {
    return this[offset]!;
  }

  readUInt16BE(offset = 0): number {
    return (this[offset]! << 8) | this[offset + 1]!;
  }

  readUInt32BE(offset = 0): number {
    return this[offset]! * 0x1000000 + ((this[offset + 1]! << 16) | (this[offset + 2]! << 8) | this[offset + 3]!);
  }

  writeUInt8(value: number, offset = 0): number {
    this[offset] = value;
    return offset + 1;
  }

  writeUInt16BE(value: number, offset = 0): number {
    this[offset] = value >>> 8;
    this[offset + 1] = value;
    return offset + 2;
  }

  writeUInt32BE(value: number, offset = 0): number {
    this[offset] = value >>> 24;
    this[offset + 1] = value >>> 16;
    this[offset + 2] = value >>> 8;
    this[offset + 3] = value;
    return offset + 4;
  }
}

/** Node's `Buffer.from` (a string as UTF-8, a view on an ArrayBuffer, a copy of anything else). */
function from(value: Source, offset?: number | string, length?: number): NodeBuffer {
  if (typeof value === 'string') {
    const bytes = utf8().encode(value);
    return new NodeBuffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (value instanceof ArrayBuffer) return new NodeBuffer(value, offset as number | undefined, length);
  const copy = new NodeBuffer(value.length);
  copy.set(value as ArrayLike<number>);
  return copy;
}

// Node's `from` on the class: a class body cannot declare it (Uint8Array.from(arrayLike, mapFn) differs).
Object.defineProperty(NodeBuffer, 'from', { value: from, writable: true, configurable: true });

/** The Buffer stand-in: a `Uint8Array` class with Node's static and instance methods that mqtt-packet calls. */
export const Buffer = NodeBuffer as unknown as Omit<typeof NodeBuffer, 'from'> & { from: typeof from; new (size: number): NodeBuffer; new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NodeBuffer };
export type Buffer = NodeBuffer;
