import { describe, expect, it } from 'vitest';
import { jwtExpiresAt } from '../src/connection/jwt';

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const binary = Array.from(bytes, (b) => String.fromCharCode(b)).join('');
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function jwt(payload: unknown, header: unknown = { alg: 'HS256', typ: 'JWT' }, signature = 'c2lnbmF0dXJl'): string {
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${signature}`;
}

describe('jwtExpiresAt', () => {
  it('returns exp in milliseconds since the epoch', () => {
    expect(jwtExpiresAt(jwt({ sub: 'dashboard', exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });

  it('keeps fractional seconds', () => {
    expect(jwtExpiresAt(jwt({ exp: 1_700_000_000.5 }))).toBe(1_700_000_000_500);
  });

  it('reads a payload whose base64url uses - and _ and needs padding', () => {
    // '?>?' style characters force '-' / '_' in base64url; lengths vary the padding.
    for (const filler of ['', '?', '??', '???', '>>>~~~', 'ü€😀']) {
      const token = jwt({ exp: 2_000_000_000, note: filler });
      expect(jwtExpiresAt(token)).toBe(2_000_000_000_000);
    }
    const tricky = jwt({ exp: 2_000_000_000, note: '???>>>' });
    expect(tricky.split('.')[1]).toMatch(/[-_]/);
  });

  it('reads claims containing non-ASCII UTF-8 text', () => {
    expect(jwtExpiresAt(jwt({ name: 'Zoë 温度 😀', exp: 5 }))).toBe(5_000);
  });

  it('accepts an unsigned token (alg none, empty signature)', () => {
    expect(jwtExpiresAt(jwt({ exp: 10 }, { alg: 'none' }, ''))).toBe(10_000);
  });

  it('ignores surrounding whitespace', () => {
    expect(jwtExpiresAt(`  ${jwt({ exp: 10 })}\n`)).toBe(10_000);
  });

  it('does not verify the signature', () => {
    expect(jwtExpiresAt(jwt({ exp: 10 }, undefined, 'bm90LWEtcmVhbC1zaWduYXR1cmU'))).toBe(10_000);
  });

  const notAJwt: [string, unknown][] = [
    ['an empty string', ''],
    ['an opaque token', 'opaque-api-key-123'],
    ['two segments', `${base64url('{}')}.${base64url('{"exp":1}')}`],
    ['four segments', `${jwt({ exp: 1 })}.extra`],
    ['a JWE (five segments)', 'a.b.c.d.e'],
    ['an empty payload segment', `${base64url('{}')}..sig`],
    ['characters outside base64url', `${base64url('{}')}.${base64url('{"exp":1}')}+/.sig`],
    ['base64 that cannot be decoded (length 1 mod 4)', `${base64url('{}')}.a.sig`],
    ['a payload that is not JSON', `${base64url('{}')}.${base64url('not json')}.sig`],
    ['a payload that is a JSON array', jwt([1, 2, 3])],
    ['a payload that is a JSON number', jwt(1_700_000_000)],
    ['a payload that is JSON null', jwt(null)],
    ['a payload without exp', jwt({ sub: 'x' })],
    ['exp as a string', jwt({ exp: '1700000000' })],
    ['exp as null', jwt({ exp: null })],
    ['exp as an object', jwt({ exp: { seconds: 1 } })],
    ['a payload that is not UTF-8', `${base64url('{}')}.${btoa('\xff\xfe{"exp":1}').replace(/=+$/, '')}.sig`],
    ['a "Bearer " prefix', `Bearer ${jwt({ exp: 1 })}`],
    ['undefined', undefined],
    ['null', null],
    ['a number', 12345],
    ['an object', { exp: 1 }],
  ];
  it.each(notAJwt)('returns undefined for %s without throwing', (_name, token) => {
    expect(() => jwtExpiresAt(token as string)).not.toThrow();
    expect(jwtExpiresAt(token as string)).toBeUndefined();
  });

  it('returns undefined for an exp that overflows to Infinity', () => {
    const token = `${base64url('{}')}.${base64url('{"exp":1e400}')}.sig`;
    expect(jwtExpiresAt(token)).toBeUndefined();
    expect(jwtExpiresAt(jwt({ exp: 1e308 }))).toBeUndefined(); // finite seconds, infinite milliseconds
  });
});
