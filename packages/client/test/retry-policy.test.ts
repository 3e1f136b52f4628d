import { describe, expect, it } from 'vitest';
import { afterFailedAttempt, exhaustedError } from '../src/connection/retry-policy';
import { ErrorCode, WebMqttError } from '../src/core/errors';
import { normalizeOptions } from '../src/core/options';

const refused = new WebMqttError(ErrorCode.AUTH_FAILED, 'refused', { retryable: false });
const provider = normalizeOptions({ url: 'wss://b.example/mqtt', auth: { token: () => 't' } }).auth;
const fixed = normalizeOptions({ url: 'wss://b.example/mqtt', auth: { token: 'static' } }).auth;

describe('afterFailedAttempt', () => {
  it('tries once more at once with a fresh token when the broker refused the credentials and a provider can give others', () => {
    expect(afterFailedAttempt(refused, 0, provider)).toBe('fresh-token');
  });

  it('gives up on a second refusal in a row, on a static token and without auth', () => {
    expect(afterFailedAttempt(refused, 1, provider)).toBe('give-up');
    expect(afterFailedAttempt(refused, 0, fixed)).toBe('give-up');
    expect(afterFailedAttempt(refused, 0, undefined)).toBe('give-up');
  });

  it('backs off for a retryable failure (a provider that failed is one) and gives up on any other', () => {
    expect(afterFailedAttempt(new WebMqttError(ErrorCode.AUTH_FAILED, 'provider failed', { retryable: true }), 0, provider)).toBe('backoff');
    expect(afterFailedAttempt(new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'down'), 5, provider)).toBe('backoff');
    expect(afterFailedAttempt(new WebMqttError(ErrorCode.PROTOCOL_ERROR, 'not mqtt', { retryable: false }), 0, provider)).toBe('give-up');
  });
});

describe('exhaustedError', () => {
  it('says how many attempts failed and the last failure, with it as the cause', () => {
    const last = new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'The broker refused the connection (server unavailable).');
    const error = exhaustedError(3, 3, last);
    expect(error).toMatchObject({ code: ErrorCode.RECONNECT_EXHAUSTED, retryable: false, cause: last });
    expect(error.message).toBe('Gave up after 3 attempts, each failed (reconnect.maxAttempts is 3); call connect() to start again. Last failure: The broker refused the connection (server unavailable).');
    expect(exhaustedError(1, 1, last).message).toContain('Gave up after 1 attempt,');
  });
});
