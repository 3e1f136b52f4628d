// What a page really sends: every WebSocket message counted as it goes out (shared by the bench pages).

/**
 * Wraps WebSocket.prototype.send so each message sent adds to `wire` (frames, bytes, maxFrame); `onSend` runs
 * after each (e.g. to stamp the time). Returns `wire`.
 */
export function countSends(wire, onSend) {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const size = typeof data === 'string' ? data.length : data.byteLength ?? data.size ?? 0;
    wire.frames++;
    wire.bytes += size;
    if (size > wire.maxFrame) wire.maxFrame = size;
    onSend?.();
    return send.call(this, data);
  };
  return wire;
}
