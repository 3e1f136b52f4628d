/**
 * `rfdc/default` for the lean browser build: the deep copy MQTT.js keeps of each QoS 1/2 packet it stores
 * for re-sending. Packets are trees of plain objects, arrays, primitives and byte arrays (payload,
 * correlation data); byte arrays are copied as the same class (a Buffer stays a Buffer).
 */
export default function deepClone<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) {
    // A copy of the bytes with the original's class: Node's Buffer#slice would be a view, not a copy.
    const copy = new Uint8Array(value as unknown as Uint8Array);
    Object.setPrototypeOf(copy, Object.getPrototypeOf(value));
    return copy as T;
  }
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(deepClone) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = deepClone((value as Record<string, unknown>)[key]);
  return out as T;
}
