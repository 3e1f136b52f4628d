/**
 * Every string reachable from `root` through own enumerable properties, Map and Set entries, with byte arrays
 * decoded one character per byte: what JSON, log and telemetry serializers can see of an object, as one text to
 * search for secrets. Self-contained (no imports, no outer names) so e2e specs can run its source in a page.
 */
export function reachableText(root: unknown): string {
  const seen = new WeakSet<object>();
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, Math.min(value.byteLength, 65_536));
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      out.push(text);
      return;
    }
    if (value instanceof Map) for (const [k, v] of value) (visit(k), visit(v));
    if (value instanceof Set) for (const v of value) visit(v);
    for (const key of Object.keys(value)) {
      try {
        visit((value as Record<string, unknown>)[key]);
      } catch {
        // A throwing getter: serializers skip it too.
      }
    }
  };
  visit(root);
  return out.join('\n');
}
