/** How a payload is shown: pretty JSON, plain text, hex for binary, or nothing. */
export interface FormattedPayload {
  kind: 'json' | 'text' | 'binary' | 'empty';
  text: string;
}

const MAX_TEXT = 4_096;
const MAX_HEX_BYTES = 256;
const decoder = new TextDecoder('utf-8', { fatal: true });
// Control characters other than tab, CR and LF mean "this is not text" even when it decodes.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Formats a payload for display (pure; the result is always inserted as text, never as HTML). */
export function formatPayload(payload: Uint8Array): FormattedPayload {
  if (payload.byteLength === 0) return { kind: 'empty', text: '(empty)' };
  const text = decodeText(payload);
  if (text === undefined) return { kind: 'binary', text: hex(payload) };
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { kind: 'json', text: truncate(JSON.stringify(JSON.parse(trimmed), null, 2)) };
    } catch {
      // Looked like JSON but is not: show it as it came.
    }
  }
  return { kind: 'text', text: truncate(text) };
}

/** The payload as UTF-8 text, or undefined when it is binary. */
export function decodeText(payload: Uint8Array): string | undefined {
  try {
    const text = decoder.decode(payload);
    return CONTROL.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/** `01 ff 0a …` for the first bytes, with the total length. */
export function hex(payload: Uint8Array): string {
  const shown = Array.from(payload.subarray(0, MAX_HEX_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const more = payload.byteLength > MAX_HEX_BYTES ? ' …' : '';
  return `${shown}${more} (${payload.byteLength} bytes, hex)`;
}

/**
 * The number a payload carries, for the chart: a bare number (`21.5`) or a JSON object with a
 * numeric `value`. Anything else is not charted.
 */
export function numericValue(payload: Uint8Array): number | undefined {
  if (payload.byteLength === 0 || payload.byteLength > 256) return undefined;
  const text = decodeText(payload)?.trim();
  if (!text) return undefined;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = (JSON.parse(text) as Record<string, unknown>)['value'];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function truncate(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters)` : text;
}
