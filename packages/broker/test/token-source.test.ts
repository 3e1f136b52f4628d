import { describe, expect, it } from 'vitest';
import { looksLikeJwt, pickToken, tokenFromUrl } from '../src/token-source.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

describe('pickToken', () => {
  it('prefers the password, then a JWT-shaped username, then the query token', () => {
    expect(pickToken({ username: JWT, password: Buffer.from('pw'), queryToken: 'q' })).toBe('pw');
    expect(pickToken({ username: JWT, password: undefined, queryToken: 'q' })).toBe(JWT);
    expect(pickToken({ username: 'alice', password: undefined, queryToken: 'q' })).toBe('q');
    expect(pickToken({ username: 'alice', password: Buffer.alloc(0), queryToken: undefined })).toBeUndefined();
  });
});

describe('looksLikeJwt', () => {
  it('recognises a compact JWS with an alg header only', () => {
    expect(looksLikeJwt(JWT)).toBe(true);
    expect(looksLikeJwt('alice')).toBe(false);
    expect(looksLikeJwt('a.b.c')).toBe(false);
    expect(looksLikeJwt(`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.x`)).toBe(false);
  });
});

describe('tokenFromUrl', () => {
  it('reads the first non-empty parameter among the names', () => {
    expect(tokenFromUrl('/mqtt?access_token=abc', ['access_token', 'token'])).toBe('abc');
    expect(tokenFromUrl('/mqtt?access_token=&token=def', ['access_token', 'token'])).toBe('def');
    expect(tokenFromUrl('/mqtt', ['access_token'])).toBeUndefined();
    expect(tokenFromUrl(undefined, ['access_token'])).toBeUndefined();
  });
});
