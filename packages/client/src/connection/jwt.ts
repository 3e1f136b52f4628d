/** A JWS compact serialisation: three base64url segments, the signature may be empty (alg "none"). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/;

/**
 * When a JWT expires, in milliseconds since the epoch, read from its `exp`
 * claim (seconds). The token is not verified: only the broker can do that;
 * the client only needs to know when to fetch a fresh one.
 *
 * Returns `undefined` for anything that is not a JWT with a numeric `exp`
 * (opaque tokens, malformed base64, non-JSON payloads). Never throws.
 *
 * @example
 * ```ts
 * const expiresAt = jwtExpiresAt(token);
 * if (expiresAt !== undefined) scheduleRefresh(expiresAt - refreshBeforeExpiryMs);
 * ```
 */
export function jwtExpiresAt(token: string): number | undefined {
  if (typeof token !== 'string') return undefined;
  const payload = JWT_SHAPE.exec(token.trim())?.[1];
  if (payload === undefined) return undefined;
  const claims = decodeJsonSegment(payload);
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const exp = (claims as Record<string, unknown>).exp;
  if (typeof exp !== 'number') return undefined;
  const ms = exp * 1000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** base64url -> UTF-8 -> JSON, or undefined on any failure. */
function decodeJsonSegment(segment: string): unknown {
  try {
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    // fatal: a payload that is not valid UTF-8 is not a JWT.
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}
