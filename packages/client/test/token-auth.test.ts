import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, WebMqttError, isWebMqttError } from '../src/core/errors';
import type { NormalizedAuth, TokenProvider } from '../src/core/options';
import { applyToken } from '../src/connection/token-auth';
import { resolveToken } from '../src/connection/token-provider';
import { refreshDelay } from '../src/connection/token-refresh';
import { ManualClock, fakeJwt, flush } from './support/fake-mqtt';

const auth = (overrides: Partial<NormalizedAuth> = {}): NormalizedAuth => ({
  token: 'static',
  placement: 'password',
  username: undefined,
  queryParam: 'access_token',
  refreshBeforeExpiryMs: 60_000,
  providerTimeoutMs: 5000,
  ...overrides,
});

const ctx = { attempt: 3, reason: 'reconnect' as const };

async function rejection(promise: Promise<unknown>): Promise<WebMqttError> {
  try {
    await promise;
  } catch (error) {
    if (isWebMqttError(error)) return error;
    throw error;
  }
  throw new Error('resolved');
}

describe('resolveToken', () => {
  it('calls the provider with { attempt, reason } (a copy) and resolves its string', async () => {
    const provider = vi.fn<TokenProvider>(() => 'tok');
    const clock = new ManualClock();
    const context = { attempt: 2, reason: 'initial' as const };
    await expect(resolveToken(auth({ token: provider }), context, clock)).resolves.toEqual({ token: 'tok', expiresAt: undefined });
    expect(provider).toHaveBeenCalledWith({ attempt: 2, reason: 'initial' });
    expect(provider.mock.calls[0]![0]).not.toBe(context);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves a static token without a timer', async () => {
    const clock = new ManualClock();
    await expect(resolveToken(auth({ token: 'abc' }), ctx, clock)).resolves.toEqual({ token: 'abc', expiresAt: undefined });
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves a JWT unread: its exp is the refresh chunk\'s business (refreshDelay)', async () => {
    const jwt = fakeJwt({ exp: 2_000_000_000 });
    const clock = new ManualClock();
    await expect(resolveToken(auth({ token: () => jwt }), ctx, clock)).resolves.toEqual({ token: jwt, expiresAt: undefined });
    await expect(resolveToken(auth({ token: () => ({ token: jwt }) }), ctx, clock)).resolves.toEqual({ token: jwt, expiresAt: undefined });
  });

  it('keeps the provider\'s expiresAt', async () => {
    const jwt = fakeJwt({ exp: 2_000_000_000 });
    const result = await resolveToken(auth({ token: async () => ({ token: jwt, expiresAt: 123 }) }), ctx, new ManualClock());
    expect(result.expiresAt).toBe(123);
  });

  it('times out with a retryable AUTH_FAILED that does not contain the token', async () => {
    const clock = new ManualClock();
    let resolveLate!: (t: string) => void;
    const promise = resolveToken(auth({ token: () => new Promise<string>((r) => (resolveLate = r)), providerTimeoutMs: 5000 }), ctx, clock);
    const settled = vi.fn();
    promise.then(settled, settled);
    clock.advance(4999);
    await flush();
    expect(settled).not.toHaveBeenCalled();
    clock.advance(1);
    const error = await rejection(promise);
    expect(error).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: true, field: 'auth.token' });
    expect(error.message).toContain('5000');
    resolveLate('late-secret-token');
    await flush();
    expect(error.message).not.toContain('late-secret-token');
  });

  it('keeps what a throwing provider threw as cause', async () => {
    const boom = new Error('backend 503');
    const error = await rejection(resolveToken(auth({ token: () => {
      throw boom;
    } }), ctx, new ManualClock()));
    expect(error).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: true });
    expect(error.cause).toBe(boom);
  });

  it('keeps a rejected promise reason as cause and clears the timer', async () => {
    const clock = new ManualClock();
    const error = await rejection(resolveToken(auth({ token: () => Promise.reject('nope') }), ctx, clock));
    expect(error.cause).toBe('nope');
    expect(clock.pendingTimers).toBe(0);
  });

  it('passes a WebMqttError thrown by the provider through as it is', async () => {
    const own = new WebMqttError(ErrorCode.ABORTED, 'user cancelled');
    expect(await rejection(resolveToken(auth({ token: () => Promise.reject(own) }), ctx, new ManualClock()))).toBe(own);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['a number', 42],
    ['an object without token', { expiresAt: 1 }],
    ['an empty token', { token: '' }],
    ['a non-numeric expiresAt', { token: 'secret-value', expiresAt: '2030' }],
    ['an infinite expiresAt', { token: 'secret-value', expiresAt: Infinity }],
  ])('turns a provider returning %s into AUTH_FAILED without echoing the token', async (_name, value) => {
    const error = await rejection(resolveToken(auth({ token: () => value as never }), ctx, new ManualClock()));
    expect(error).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: true, field: 'auth.token' });
    expect(error.message).not.toContain('secret-value');
  });
});

describe('applyToken', () => {
  const url = 'wss://b.example.com/mqtt';
  const opts = (a: ReturnType<typeof auth> | undefined, statics: { username?: string; password?: string | Uint8Array } = {}) => ({
    auth: a,
    username: statics.username,
    password: statics.password,
  });

  it('sends the token as password with an empty username when none is configured', () => {
    expect(applyToken(opts(auth()), url, 'T')).toEqual({ url, username: '', password: 'T' });
  });

  it('sends the configured username with the token as password', () => {
    expect(applyToken(opts(auth({ username: 'dash' })), url, 'T')).toEqual({ url, username: 'dash', password: 'T' });
  });

  it('sends the token as username with placement username', () => {
    expect(applyToken(opts(auth({ placement: 'username' })), url, 'T')).toEqual({ url, username: 'T', password: undefined });
  });

  it('adds the token to the query, keeping the existing query and URL-encoding it', () => {
    const result = applyToken(opts(auth({ placement: 'query' })), 'wss://b.example.com/mqtt?v=1&x=y', 'a b&c=d');
    expect(result).toEqual({ url: 'wss://b.example.com/mqtt?v=1&x=y&access_token=a%20b%26c%3Dd', username: undefined, password: undefined });
  });

  it('replaces a query parameter of the same name and uses a custom name', () => {
    expect(applyToken(opts(auth({ placement: 'query', queryParam: 'jwt' })), 'wss://b.example.com/mqtt?jwt=old', 'new').url).toBe('wss://b.example.com/mqtt?jwt=new');
  });

  it('sends no credentials without auth or token', () => {
    expect(applyToken(opts(undefined), url, 'T')).toEqual({ url, username: undefined, password: undefined });
    expect(applyToken(opts(auth()), url, undefined)).toEqual({ url, username: undefined, password: undefined });
  });

  it('sends static credentials as given without auth; a password alone gets an empty username (3.1.1 needs one)', () => {
    expect(applyToken(opts(undefined, { username: 'tbmq_websockets_username' }), url, undefined)).toEqual({ url, username: 'tbmq_websockets_username', password: undefined });
    const bytes = new Uint8Array([0, 255]);
    expect(applyToken(opts(undefined, { username: 'u', password: bytes }), url, undefined)).toEqual({ url, username: 'u', password: bytes });
    expect(applyToken(opts(undefined, { password: 'p' }), url, undefined)).toEqual({ url, username: '', password: 'p' });
  });

  it('puts the static username beside a token in the password, and the static password beside a token in the username or query', () => {
    expect(applyToken(opts(auth(), { username: 'dash' }), url, 'T')).toEqual({ url, username: 'dash', password: 'T' });
    expect(applyToken(opts(auth({ placement: 'username' }), { password: 'p' }), url, 'T')).toEqual({ url, username: 'T', password: 'p' });
    expect(applyToken(opts(auth({ placement: 'query' }), { username: 'dash', password: 'p' }), url, 'T')).toEqual({
      url: `${url}?access_token=T`,
      username: 'dash',
      password: 'p',
    });
  });
});

describe('refreshDelay', () => {
  const provider = () => 't';

  it('is expiresAt - refreshBeforeExpiryMs - now', () => {
    expect(refreshDelay({ token: 't', expiresAt: 100_000 }, auth({ token: provider, refreshBeforeExpiryMs: 10_000 }), 50_000)).toBe(40_000);
  });

  it('refreshes a token already inside the refresh window at three quarters of its remaining life, never sooner than 1 s', () => {
    expect(refreshDelay({ token: 't', expiresAt: 100_000 }, auth({ token: provider, refreshBeforeExpiryMs: 60_000 }), 90_000)).toBe(7_500);
    expect(refreshDelay({ token: 't', expiresAt: 100_000 }, auth({ token: provider, refreshBeforeExpiryMs: 60_000 }), 99_500)).toBe(1_000);
  });

  it('is undefined for a token that has already expired (the broker accepted it anyway)', () => {
    expect(refreshDelay({ token: 't', expiresAt: 100_000 }, auth({ token: provider, refreshBeforeExpiryMs: 60_000 }), 100_001)).toBeUndefined();
  });

  it('reads a JWT exp when the provider gave no expiresAt, and prefers an explicit expiresAt over it', () => {
    const jwt = fakeJwt({ exp: 100 }); // 100 s = 100,000 ms since epoch
    expect(refreshDelay({ token: jwt, expiresAt: undefined }, auth({ token: provider, refreshBeforeExpiryMs: 10_000 }), 50_000)).toBe(40_000);
    expect(refreshDelay({ token: jwt, expiresAt: 80_000 }, auth({ token: provider, refreshBeforeExpiryMs: 10_000 }), 50_000)).toBe(20_000);
  });

  it('is undefined without an expiry', () => {
    expect(refreshDelay({ token: 't', expiresAt: undefined }, auth({ token: provider }), 0)).toBeUndefined();
  });

  it('is undefined for a static token (refreshing would send the same one)', () => {
    expect(refreshDelay({ token: 't', expiresAt: 100_000 }, auth({ token: 'static' }), 0)).toBeUndefined();
  });
});
