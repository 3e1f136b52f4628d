/** Where a client may put its token; see {@link pickToken}. */
export interface TokenPlaces {
  username: string | undefined;
  password: Buffer | undefined;
  queryToken: string | undefined;
}

/**
 * The token a client presented, in order of precedence: the MQTT password (UTF-8), else the MQTT
 * username when it has the shape of a JWT, else the `?access_token=` of the WebSocket URL.
 */
export function pickToken(places: TokenPlaces): string | undefined {
  if (places.password !== undefined && places.password.length > 0) return places.password.toString('utf8');
  if (places.username !== undefined && looksLikeJwt(places.username)) return places.username;
  return places.queryToken || undefined;
}

/** True for three base64url segments whose first decodes to a JSON object with an `alg`. */
export function looksLikeJwt(value: string): boolean {
  const parts = value.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

/** The first non-empty query parameter among `names` in a request URL (`/mqtt?access_token=…`). */
export function tokenFromUrl(url: string | undefined, names: readonly string[]): string | undefined {
  if (url === undefined) return undefined;
  let query: URLSearchParams;
  try {
    query = new URL(url, 'http://localhost').searchParams;
  } catch {
    return undefined;
  }
  for (const name of names) {
    const value = query.get(name);
    if (value) return value;
  }
  return undefined;
}
