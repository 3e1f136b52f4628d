import { randomBytes } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

/** Options of {@link issueDevToken}. */
export interface DevTokenOptions {
  /** The `sub` claim: who the token is for. */
  sub: string;
  /** Lifetime in seconds, from now. */
  ttlSeconds: number;
  /** Extra claims to include (they cannot override `sub`, `iat` or `exp`). */
  claims?: JWTPayload;
  /** The `iss` claim, when the broker checks it. */
  issuer?: string;
  /** The `aud` claim, when the broker checks it. */
  audience?: string | string[];
  /** Current time in milliseconds; injected by tests. */
  now?: number;
}

/**
 * Signs an HS256 JWT the broker accepts when it is configured with the same `secret`.
 * For development and tests: a real app gets tokens from its auth server.
 *
 * @example
 * ```ts
 * const token = await issueDevToken(process.env.WEBMQTT_JWT_SECRET!, { sub: 'alice', ttlSeconds: 3600 });
 * await mqtt.connectAsync('ws://127.0.0.1:8084/mqtt', { password: token });
 * ```
 */
export async function issueDevToken(secret: string | Uint8Array, options: DevTokenOptions): Promise<string> {
  if (!Number.isFinite(options.ttlSeconds)) throw new TypeError('ttlSeconds must be a number of seconds');
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + Math.floor(options.ttlSeconds));
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(secretKey(secret));
}

/**
 * The shortest HS256 secret the broker accepts, in bytes (UTF-8): the size of the hash (RFC 7518,
 * section 3.2). A shorter one can be found by brute force from a single token.
 */
export const MIN_SECRET_BYTES = 32;

/** A fresh random HS256 secret: {@link MIN_SECRET_BYTES} random bytes, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(MIN_SECRET_BYTES).toString('base64url');
}

/** The bytes jose signs and verifies HS256 with. */
export function secretKey(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}
