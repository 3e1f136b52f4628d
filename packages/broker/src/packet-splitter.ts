/** What {@link splitPackets} found: whole MQTT packets, and the bytes of an unfinished one. */
export interface SplitResult {
  packets: Buffer[];
  rest: Buffer;
}

// The remaining-length field of the fixed header is at most four bytes long.
const MAX_LENGTH_BYTES = 4;

/**
 * Cuts a byte buffer into whole MQTT control packets by reading each fixed header.
 * Bytes of a packet that is not complete yet come back as `rest`, to be prefixed to the next batch.
 * A malformed length field cannot be framed; then everything is returned as one chunk so
 * nothing is lost or held forever (the peer's parser will reject it).
 */
export function splitPackets(buffer: Buffer): SplitResult {
  const packets: Buffer[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const header = readRemainingLength(buffer, offset + 1);
    if (header === 'incomplete') break;
    if (header === 'malformed') {
      packets.push(buffer.subarray(offset));
      return { packets, rest: EMPTY };
    }
    const end = offset + 1 + header.bytes + header.length;
    if (end > buffer.length) break;
    packets.push(buffer.subarray(offset, end));
    offset = end;
  }
  return { packets, rest: offset === buffer.length ? EMPTY : buffer.subarray(offset) };
}

const EMPTY = Buffer.alloc(0);

function readRemainingLength(
  buffer: Buffer,
  start: number,
): { length: number; bytes: number } | 'incomplete' | 'malformed' {
  let length = 0;
  let multiplier = 1;
  for (let i = 0; i < MAX_LENGTH_BYTES; i++) {
    const byte = buffer[start + i];
    if (byte === undefined) return 'incomplete';
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { length, bytes: i + 1 };
    multiplier *= 128;
  }
  return 'malformed';
}
