import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueDevToken } from '../src/index.js';
import { closeOf, useFixtures, waitFor } from './helpers/fixtures.js';

const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
/** HS256 secrets as the broker requires them (32 bytes at least): the one it is configured with, and one it is not. */
const SECRET = 'broker-auth-test-secret-0123456789abcdef';
const OTHER_SECRET = 'a-secret-no-broker-here-knows-0123456789';

describe('broker authentication', () => {
  const fx = useFixtures();

  it('accepts a token given as the MQTT password', async () => {
    const broker = await fx.broker();
    const token = await broker.issueToken({ sub: 'alice', ttl: 60 });
    const client = await fx.connect(broker.urls.ws, { username: 'alice', password: token });
    expect(client.connected).toBe(true);
    expect(broker.clients).toBe(1);
  });

  it('accepts a token given as the MQTT username', async () => {
    const broker = await fx.broker();
    const token = await broker.issueToken({ sub: 'alice', ttl: 60 });
    const client = await fx.connect(broker.urls.ws, { username: token });
    expect(client.connected).toBe(true);
  });

  it('accepts a token given in the access_token query parameter', async () => {
    const broker = await fx.broker();
    const token = await broker.issueToken({ sub: 'alice', ttl: 60 });
    const client = await fx.connect(`${broker.urls.ws}?access_token=${token}`);
    expect(client.connected).toBe(true);
  });

  it('accepts a token in the "token" query parameter and in a custom one', async () => {
    const broker = await fx.broker({ auth: { jwt: { secret: SECRET }, queryParam: 'jwt' } });
    const token = await broker.issueToken();
    await fx.connect(`${broker.urls.ws}?token=${token}`);
    await fx.connect(`${broker.urls.ws}?jwt=${token}`);
    const refused = await fx.refusal(`${broker.urls.ws}?access_token=${token}`);
    expect(refused.code).toBe(NOT_AUTHORIZED);
  });

  it('refuses a wrong token with CONNACK 4 (bad username or password)', async () => {
    const broker = await fx.broker();
    const forged = await issueDevToken(OTHER_SECRET, { sub: 'mallory', ttlSeconds: 60 });
    expect((await fx.refusal(broker.urls.ws, { username: 'm', password: forged })).code).toBe(BAD_USERNAME_OR_PASSWORD);
    expect((await fx.refusal(broker.urls.ws, { username: 'm', password: 'not-a-jwt' })).code).toBe(BAD_USERNAME_OR_PASSWORD);
    expect(broker.clients).toBe(0);
  });

  it('refuses a client without a token with CONNACK 5 (not authorized)', async () => {
    const broker = await fx.broker();
    expect((await fx.refusal(broker.urls.ws)).code).toBe(NOT_AUTHORIZED);
    // A username that is not a JWT is not a token either.
    expect((await fx.refusal(broker.urls.ws, { username: 'alice' })).code).toBe(NOT_AUTHORIZED);
  });

  it('refuses an expired token with CONNACK 4', async () => {
    const broker = await fx.broker({ auth: { jwt: { secret: SECRET } } });
    const expired = await issueDevToken(SECRET, { sub: 'alice', ttlSeconds: 60, now: Date.now() - 120_000 });
    expect((await fx.refusal(broker.urls.ws, { username: 'a', password: expired })).code).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a token whose issuer or audience does not match', async () => {
    const broker = await fx.broker({ auth: { jwt: { secret: SECRET, issuer: 'me', audience: 'mqtt' } } });
    const wrongIssuer = await issueDevToken(SECRET, { sub: 'a', ttlSeconds: 60, issuer: 'you', audience: 'mqtt' });
    expect((await fx.refusal(broker.urls.ws, { username: 'a', password: wrongIssuer })).code).toBe(BAD_USERNAME_OR_PASSWORD);
    // issueToken fills in the configured issuer and audience.
    await fx.connect(broker.urls.ws, { username: 'a', password: await broker.issueToken() });
  });

  it('lets anyone in when anonymous, ignoring credentials', async () => {
    const broker = await fx.broker({ auth: { anonymous: true } });
    await fx.connect(broker.urls.ws);
    await fx.connect(broker.urls.ws, { username: 'who', password: 'ever' });
    expect(broker.clients).toBe(2);
    await expect(broker.issueToken()).rejects.toMatchObject({ code: 'CANNOT_ISSUE_TOKEN' });
  });

  it('with anonymous plus jwt, a token is optional but checked when given', async () => {
    const broker = await fx.broker({ auth: { anonymous: true, jwt: { secret: SECRET } } });
    await fx.connect(broker.urls.ws);
    await fx.connect(broker.urls.ws, { username: 'a', password: await broker.issueToken() });
    expect((await fx.refusal(broker.urls.ws, { username: 'a', password: 'garbage' })).code).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it.each(['RS256', 'ES256'] as const)('accepts a %s token verified with a JWKS', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg };
    const broker = await fx.broker({ auth: { jwt: { jwks: { keys: [jwk] } } } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg, kid: 'k1' })
      .setSubject('alice')
      .setExpirationTime('1m')
      .sign(privateKey);
    await fx.connect(broker.urls.ws, { username: 'alice', password: token });
    // An HS256 token cannot sneak in when only public keys are configured.
    const hs = await issueDevToken(OTHER_SECRET, { sub: 'x', ttlSeconds: 60 });
    expect((await fx.refusal(broker.urls.ws, { username: 'x', password: hs })).code).toBe(BAD_USERNAME_OR_PASSWORD);
    await expect(broker.issueToken()).rejects.toMatchObject({ code: 'CANNOT_ISSUE_TOKEN' });
  });

  it('reads the key set from jwksFile', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const file = join(await fx.tempDir(), 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'file-key' }] }));
    const broker = await fx.broker({ auth: { jwt: { jwksFile: file } } });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'file-key' }).setExpirationTime('1m').sign(privateKey);
    await fx.connect(broker.urls.ws, { username: 'u', password: token });
  });

  /** An HS256 token whose `exp` is the next whole second at least one second away. */
  async function tokenExpiringSoon(secret: string): Promise<{ token: string; expiresAt: number }> {
    const exp = Math.ceil(Date.now() / 1000) + 1;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
    return { token, expiresAt: exp * 1000 };
  }

  it('with disconnectOnExpiry, closes the connection when the token expires', async () => {
    const lines: string[] = [];
    const log = (line: string): void => void lines.push(line);
    const broker = await fx.broker({ auth: { jwt: { secret: SECRET }, disconnectOnExpiry: true }, logger: { debug: log, info: log, warn: log, error: log } });
    const { token, expiresAt } = await tokenExpiringSoon(SECRET);
    const expiring = await fx.connect(broker.urls.ws, { username: 'a', password: token });
    const staying = await fx.connect(broker.urls.ws, { username: 'b', password: await broker.issueToken({ ttl: 3600 }) });
    await closeOf(expiring, 10_000);
    // Not before the token's exp (Node timers may fire a millisecond early)...
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 5);
    // ...and because of it: the broker says why it closed the connection.
    const id = expiring.options.clientId as string;
    expect(lines.filter((line) => line.includes(id) && /token expired$/.test(line)), lines.join('\n')).toHaveLength(1);
    expect(staying.connected).toBe(true);
    await waitFor(() => broker.clients === 1, 5_000, 'the expired client to be gone');
  });

  /** Whether the broker takes `token` now: 'accepted' (that connection is closed at once), or its CONNACK refusal code. */
  async function admits(url: string, token: string): Promise<unknown> {
    try {
      await (await fx.connect(url, { username: 'probe', password: token })).endAsync(true);
      return 'accepted';
    } catch (error) {
      return (error as { code?: unknown }).code;
    }
  }

  it('without disconnectOnExpiry, an expired token does not end a live connection', async () => {
    const broker = await fx.broker({ auth: { jwt: { secret: SECRET } } });
    const { token } = await tokenExpiringSoon(SECRET);
    const client = await fx.connect(broker.urls.ws, { username: 'a', password: token });
    // The marker: the broker itself now refuses the token as expired, so its expiry has passed.
    await expect.poll(() => admits(broker.urls.ws, token), { timeout: 10_000, interval: 100 }).toBe(BAD_USERNAME_OR_PASSWORD);
    expect(client.connected).toBe(true);
    // And the connection still works: a QoS 1 round trip after the expiry.
    await client.publishAsync('still/here', 'yes', { qos: 1 });
    expect(client.connected).toBe(true);
    await waitFor(() => broker.clients === 1, 5_000, 'only the live client to be left');
  });

  it('never writes a token to the log', async () => {
    const lines: string[] = [];
    const log = (line: string): void => void lines.push(line);
    const broker = await fx.broker({
      auth: { jwt: { secret: SECRET } },
      logger: { debug: log, info: log, warn: log, error: log },
    });
    const good = await broker.issueToken();
    const forged = await issueDevToken(OTHER_SECRET, { sub: 'x', ttlSeconds: 60 });
    await fx.connect(`${broker.urls.ws}?access_token=${good}`);
    await fx.refusal(broker.urls.ws, { username: 'x', password: forged });
    expect(lines.some((line) => line.includes('refused'))).toBe(true);
    expect(lines.join('\n')).not.toContain(good.split('.')[2]);
    expect(lines.join('\n')).not.toContain(forged.split('.')[2]);
  });
});
