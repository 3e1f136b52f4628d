import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator, normalizeAuthOptions } from '../src/auth.js';
import { generateSecret, startBroker } from '../src/index.js';
import { useFixtures } from './helpers/fixtures.js';

const SECRET = 'a-development-secret-of-at-least-32-bytes';
const key = new TextEncoder().encode(SECRET);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('dev broker JWT hardening', () => {
  const fx = useFixtures();

  it('refuses a token without exp (it would never expire)', async () => {
    const check = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: SECRET } }));
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt().sign(key);
    expect(await check.check(forever)).toEqual({ ok: false, returnCode: 4, reason: 'token has no "exp" claim' });
    const broker = await fx.broker({ auth: { jwt: { secret: SECRET } } });
    expect((await fx.refusal(broker.urls.ws, { username: 'a', password: forever })).code).toBe(4);
  });

  it.each(['a', 's3cret', 'x'.repeat(31), 'é'.repeat(15)])('refuses to start with an HS256 secret under 32 bytes (%j), naming the option', async (secret) => {
    await expect(startBroker({ wsPort: 0, wssPort: false, auth: { jwt: { secret } } })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      field: 'auth.jwt.secret',
      message: expect.stringMatching(/auth\.jwt\.secret must be at least 32 bytes/),
    });
  });

  it('starts with a 32-byte secret, and generateSecret() makes long enough ones', async () => {
    expect(Buffer.byteLength(generateSecret())).toBeGreaterThanOrEqual(32);
    const broker = await fx.broker({ auth: { jwt: { secret: 'x'.repeat(32) } } });
    await fx.connect(broker.urls.ws, { username: 'a', password: await broker.issueToken() });
  });

  it('never puts the secret in the error', async () => {
    const error = await startBroker({ wsPort: 0, wssPort: false, auth: { jwt: { secret: 'hunter2-short' } } }).catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });

  it('refuses a token issued a year in the future', async () => {
    const check = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: SECRET } }));
    const iat = nowSeconds() + 365 * 86400;
    const future = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(iat).setExpirationTime(iat + 3600).sign(key);
    expect(await check.check(future)).toEqual({ ok: false, returnCode: 4, reason: 'token claim "iat" rejected (issued in the future)' });
  });

  it('accepts an iat a few seconds ahead (clock skew between issuer and broker)', async () => {
    const check = await createAuthenticator(normalizeAuthOptions({ jwt: { secret: SECRET } }));
    const iat = nowSeconds() + 20;
    const ahead = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(iat).setExpirationTime(iat + 3600).sign(key);
    expect((await check.check(ahead)).ok).toBe(true);
  });

  it('issueToken() tokens carry exp and iat', async () => {
    const broker = await fx.broker();
    const [, payload] = (await broker.issueToken({ ttl: 60 })).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { exp?: number; iat?: number };
    expect(claims.exp! - claims.iat!).toBe(60);
  });
});
