import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { systemClock, type Clock } from './clock.js';
import { BrokerError, BrokerErrorCode, invalidOption } from './errors.js';
import { generateSecret, MIN_SECRET_BYTES, secretKey } from './tokens.js';

/** JWT verification settings. Give `secret` (HS256), a key set (RS256/ES256/…), or both. */
export interface JwtOptions {
  /** Shared HS256 secret, at least {@link MIN_SECRET_BYTES} bytes (UTF-8); `generateSecret()` makes one. */
  secret?: string;
  /** Public keys as a JSON Web Key Set. */
  jwks?: JSONWebKeySet;
  /** Path of a JSON file holding a JSON Web Key Set; read once at start. */
  jwksFile?: string;
  /** Required `iss` claim. */
  issuer?: string | string[];
  /** Required `aud` claim. */
  audience?: string | string[];
  /**
   * Allowed clock skew when checking `exp` and `nbf`, in seconds (default 0). An `iat` may be this
   * far in the future, and at least {@link IAT_FUTURE_SKEW_SECONDS}.
   */
  clockToleranceSeconds?: number;
}

/**
 * Who may connect.
 * - nothing given: JWT HS256 with a random per-process secret (use `broker.issueToken()`);
 * - `{ anonymous: true }`: everyone, credentials ignored;
 * - `{ jwt: {...} }`: a valid token is required;
 * - `{ anonymous: true, jwt: {...} }`: a token is optional but must be valid when given.
 */
export interface AuthOptions {
  anonymous?: boolean;
  jwt?: JwtOptions;
  /** Query parameter of the WebSocket URL that may carry the token (default `access_token`; `token` always works). */
  queryParam?: string;
  /** Close a client's connection when its token's `exp` passes (as EMQX does). Default false. */
  disconnectOnExpiry?: boolean;
}

/** {@link AuthOptions} after validation, with defaults applied. */
export interface NormalizedAuth {
  anonymous: boolean;
  /** Undefined when tokens are ignored (anonymous only). */
  jwt: NormalizedJwt | undefined;
  queryParams: string[];
  disconnectOnExpiry: boolean;
}

/** The JWT part of {@link NormalizedAuth}. */
export interface NormalizedJwt {
  secret: string | undefined;
  /** True when `secret` was generated because no auth was configured. */
  secretGenerated: boolean;
  jwks: JSONWebKeySet | undefined;
  jwksFile: string | undefined;
  issuer: string | string[] | undefined;
  audience: string | string[] | undefined;
  clockToleranceSeconds: number;
}

/** MQTT 3.1.1 CONNACK return codes the broker refuses with. */
export const ConnackCode = {
  BAD_USERNAME_OR_PASSWORD: 4,
  NOT_AUTHORIZED: 5,
} as const;

/** The verdict on a connecting client's token. */
export type AuthDecision =
  | { ok: true; subject: string | undefined; expiresAt: number | undefined }
  | { ok: false; returnCode: (typeof ConnackCode)[keyof typeof ConnackCode]; reason: string };

/** Decides whether a token (or its absence) may connect. */
export interface Authenticator {
  check(token: string | undefined): Promise<AuthDecision>;
}

/**
 * How far in the future a token's `iat` may be, in seconds, when `clockToleranceSeconds` is
 * smaller: issuers' clocks run a little ahead, but a token "issued" next year is forged or broken.
 */
export const IAT_FUTURE_SKEW_SECONDS = 60;

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Validates `auth` once and applies the defaults described on {@link AuthOptions}. */
export function normalizeAuthOptions(auth: AuthOptions | undefined): NormalizedAuth {
  const options = auth ?? {};
  if (typeof options !== 'object') invalidOption('auth', 'an object');
  const anonymous = options.anonymous === true;
  const queryParam = options.queryParam ?? 'access_token';
  if (typeof queryParam !== 'string' || queryParam === '') invalidOption('auth.queryParam', 'a non-empty string');
  let jwt: NormalizedJwt | undefined;
  if (options.jwt !== undefined) {
    jwt = normalizeJwt(options.jwt);
  } else if (!anonymous) {
    jwt = { ...emptyJwt(), secret: generateSecret(), secretGenerated: true };
  }
  return {
    anonymous,
    jwt,
    queryParams: [...new Set([queryParam, 'token'])],
    disconnectOnExpiry: options.disconnectOnExpiry === true,
  };
}

function normalizeJwt(jwt: JwtOptions): NormalizedJwt {
  if (typeof jwt !== 'object' || jwt === null) invalidOption('auth.jwt', 'an object');
  if (jwt.secret !== undefined && (typeof jwt.secret !== 'string' || jwt.secret === '')) {
    invalidOption('auth.jwt.secret', 'a non-empty string');
  }
  if (jwt.secret !== undefined && Buffer.byteLength(jwt.secret, 'utf8') < MIN_SECRET_BYTES) {
    invalidOption(
      'auth.jwt.secret',
      `at least ${MIN_SECRET_BYTES} bytes long (got ${Buffer.byteLength(jwt.secret, 'utf8')}): a shorter HS256 secret can be guessed from one token; generateSecret() makes a suitable one`,
    );
  }
  if (jwt.jwks !== undefined && !Array.isArray(jwt.jwks?.keys)) invalidOption('auth.jwt.jwks', 'a JSON Web Key Set ({ keys: [...] })');
  if (jwt.jwksFile !== undefined && (typeof jwt.jwksFile !== 'string' || jwt.jwksFile === '')) {
    invalidOption('auth.jwt.jwksFile', 'a file path');
  }
  if (jwt.secret === undefined && jwt.jwks === undefined && jwt.jwksFile === undefined) {
    invalidOption('auth.jwt', 'one of secret, jwks or jwksFile');
  }
  const tolerance = jwt.clockToleranceSeconds ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) invalidOption('auth.jwt.clockToleranceSeconds', 'a number of seconds >= 0');
  return {
    secret: jwt.secret,
    secretGenerated: false,
    jwks: jwt.jwks,
    jwksFile: jwt.jwksFile,
    issuer: jwt.issuer,
    audience: jwt.audience,
    clockToleranceSeconds: tolerance,
  };
}

function emptyJwt(): NormalizedJwt {
  return {
    secret: undefined,
    secretGenerated: false,
    jwks: undefined,
    jwksFile: undefined,
    issuer: undefined,
    audience: undefined,
    clockToleranceSeconds: 0,
  };
}

/**
 * Builds the token checker; reads `jwksFile` now, so a bad file fails the start, not each connect.
 * Every token must carry `exp`, so none is valid forever.
 */
export async function createAuthenticator(auth: NormalizedAuth, clock: Clock = systemClock): Promise<Authenticator> {
  const jwt = auth.jwt;
  if (jwt === undefined) {
    return { check: async () => ({ ok: true, subject: undefined, expiresAt: undefined }) };
  }
  const jwks = jwt.jwks ?? (jwt.jwksFile === undefined ? undefined : await readJwksFile(jwt.jwksFile));
  const keySet = jwks === undefined ? undefined : createLocalJWKSet(jwks);
  const hmacKey = jwt.secret === undefined ? undefined : secretKey(jwt.secret);
  // The algorithm picks the key, and only algorithms with a configured key are accepted, so an
  // HS256 token can never be checked against a public key (algorithm confusion).
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256' && hmacKey) return hmacKey;
    if (keySet) return keySet(header, token);
    throw new joseErrors.JOSEAlgNotAllowed('unexpected JWT algorithm');
  };
  const iatSkewSeconds = Math.max(jwt.clockToleranceSeconds, IAT_FUTURE_SKEW_SECONDS);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...(hmacKey ? ['HS256'] : []), ...(keySet ? ASYMMETRIC_ALGORITHMS : [])],
    requiredClaims: ['exp'],
    clockTolerance: jwt.clockToleranceSeconds,
    ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
    ...(jwt.audience === undefined ? {} : { audience: jwt.audience }),
  };

  return {
    async check(token) {
      if (token === undefined) {
        return auth.anonymous
          ? { ok: true, subject: undefined, expiresAt: undefined }
          : { ok: false, returnCode: ConnackCode.NOT_AUTHORIZED, reason: 'no token given' };
      }
      try {
        const now = clock.now();
        const { payload } = await jwtVerify(token, getKey, { ...verifyOptions, currentDate: new Date(now) });
        if (typeof payload.iat === 'number' && payload.iat > now / 1000 + iatSkewSeconds) {
          return { ok: false, returnCode: ConnackCode.BAD_USERNAME_OR_PASSWORD, reason: 'token claim "iat" rejected (issued in the future)' };
        }
        return {
          ok: true,
          subject: payload.sub,
          expiresAt: payload.exp === undefined ? undefined : payload.exp * 1000,
        };
      } catch (error) {
        return { ok: false, returnCode: ConnackCode.BAD_USERNAME_OR_PASSWORD, reason: describeJwtError(error) };
      }
    },
  };
}

/** A reason safe to log: it names what failed, never the token. */
function describeJwtError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing') return `token has no "${error.claim}" claim`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${error.claim}" rejected`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof joseErrors.JOSEError) return `token rejected (${error.code})`;
  return 'token rejected';
}

async function readJwksFile(path: string): Promise<JSONWebKeySet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new BrokerError(BrokerErrorCode.INVALID_OPTIONS, `auth.jwt.jwksFile could not be read as JSON: ${path}`, {
      field: 'auth.jwt.jwksFile',
      cause,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as JSONWebKeySet).keys)) {
    invalidOption('auth.jwt.jwksFile', `a JSON Web Key Set file ({ "keys": [...] }): ${path}`);
  }
  return parsed as JSONWebKeySet;
}
