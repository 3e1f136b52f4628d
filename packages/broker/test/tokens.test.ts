import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSecret, issueDevToken } from '../src/tokens.js';

describe('issueDevToken', () => {
  it('signs an HS256 token with sub, iat, exp = iat + ttlSeconds and extra claims', async () => {
    const now = Date.UTC(2030, 0, 1);
    const token = await issueDevToken('secret', { sub: 'alice', ttlSeconds: 90, claims: { role: 'admin' }, now });
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode('secret'), {
      currentDate: new Date(now),
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toEqual({ sub: 'alice', role: 'admin', iat: now / 1000, exp: now / 1000 + 90 });
  });

  it('sets issuer and audience when given', async () => {
    const token = await issueDevToken('secret', { sub: 'a', ttlSeconds: 60, issuer: 'me', audience: ['mqtt'] });
    const { payload } = await jwtVerify(token, new TextEncoder().encode('secret'), { issuer: 'me', audience: 'mqtt' });
    expect(payload.iss).toBe('me');
  });

  it('rejects a ttl that is not a number', async () => {
    await expect(issueDevToken('s', { sub: 'a', ttlSeconds: Number.NaN })).rejects.toThrow(/ttlSeconds/);
  });
});

describe('generateSecret', () => {
  it('returns 32 random bytes as base64url', () => {
    const a = generateSecret();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });
});
