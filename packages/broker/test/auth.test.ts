import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator, normalizeAuthOptions } from '../src/auth.js';
import { issueDevToken } from '../src/tokens.js';

// The broker refuses HS256 secrets under 32 bytes.
const S = 'auth-test-secret-of-32-bytes-or-more';

describe('normalizeAuthOptions', () => {
  it('defaults to JWT with a generated secret, and accepts the token query parameter too', () => {
    const auth = normalizeAuthOptions(undefined);
    expect(auth.anonymous).toBe(false);
    expect(auth.jwt?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.queryParams).toEqual(['access_token', 'token']);
  });

  it('anonymous alone ignores tokens entirely', () => {
    expect(normalizeAuthOptions({ anonymous: true }).jwt).toBeUndefined();
  });
});

describe('createAuthenticator', () => {
  it('accepts a valid token and reports subject and expiry', async () => {
    const check = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: S } }));
    const token = await issueDevToken(S, { sub: 'alice', ttlSeconds: 60 });
    const decision = await check.check(token);
    expect(decision.ok).toBe(true);
    expect(decision.ok && decision).toMatchObject({ subject: 'alice' });
  });

  it('says why a token was refused, without the token', async () => {
    const check = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: S } }));
    const expired = await issueDevToken(S, { sub: 'a', ttlSeconds: 1, now: Date.now() - 60_000 });
    expect(await check.check(expired)).toEqual({ ok: false, returnCode: 4, reason: 'token expired' });
    const forged = await issueDevToken('another-secret-of-32-bytes-or-more', { sub: 'a', ttlSeconds: 60 });
    expect(await check.check(forged)).toEqual({ ok: false, returnCode: 4, reason: 'token signature invalid' });
    expect(await check.check(undefined)).toEqual({ ok: false, returnCode: 5, reason: 'no token given' });
  });

  it('refuses a token not valid yet (nbf), and tolerates skew when asked', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 30;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setNotBefore(nbf).setExpirationTime(nbf + 60).sign(new TextEncoder().encode(S));
    const strict = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: S } }));
    expect(await strict.check(token)).toMatchObject({ ok: false, returnCode: 4 });
    const lenient = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: S, clockToleranceSeconds: 60 } }));
    expect((await lenient.check(token)).ok).toBe(true);
  });

  it('accepts HS256 and ES256 tokens when both a secret and a key set are configured', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const check = await createAuthenticator(
      normalizeAuthOptions({ jwt: { secret: S, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k' }] } } }),
    );
    const es = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setExpirationTime('1m').sign(privateKey);
    expect((await check.check(es)).ok).toBe(true);
    expect((await check.check(await issueDevToken(S, { sub: 'a', ttlSeconds: 60 }))).ok).toBe(true);
  });

  it('fails at start when jwksFile cannot be read', async () => {
    await expect(createAuthenticator(normalizeAuthOptions({ jwt: { jwksFile: '/no/such/jwks.json' } }))).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'auth.jwt.jwksFile',
    });
  });
});
