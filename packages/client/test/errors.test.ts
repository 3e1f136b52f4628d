import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, WebMqttError, isWebMqttError, toWebMqttError } from '../src/core/errors';

describe('ErrorCode', () => {
  it('keeps every documented code, each equal to its own name', () => {
    const documented = [
      'INVALID_OPTIONS', 'INVALID_TOPIC', 'INVALID_PAYLOAD', 'AUTH_FAILED', 'CONNECT_TIMEOUT', 'CONNECTION_REFUSED',
      'CONNECTION_LOST', 'RECONNECT_EXHAUSTED', 'QUEUE_FULL', 'CLIENT_CLOSED', 'SUBSCRIBE_REJECTED', 'REQUEST_TIMEOUT',
      'INSECURE_TRANSPORT', 'ABORTED', 'TLS_FAILED', 'HANDSHAKE_REJECTED', 'PROTOCOL_ERROR',
    ];
    for (const code of documented) expect(ErrorCode[code as keyof typeof ErrorCode]).toBe(code);
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
  });
});

describe('WebMqttError', () => {
  it('is an Error with a stable name, code and message', () => {
    const error = new WebMqttError(ErrorCode.QUEUE_FULL, 'full');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WebMqttError');
    expect(error.code).toBe('QUEUE_FULL');
    expect(error.message).toBe('full');
    expect(String(error)).toBe('WebMqttError: full');
    expect(error.stack).toContain('WebMqttError');
  });

  it.each([
    [ErrorCode.CONNECT_TIMEOUT, true],
    [ErrorCode.CONNECTION_REFUSED, true],
    [ErrorCode.CONNECTION_LOST, true],
    [ErrorCode.QUEUE_FULL, true],
    [ErrorCode.REQUEST_TIMEOUT, true],
    [ErrorCode.INVALID_OPTIONS, false],
    [ErrorCode.INVALID_TOPIC, false],
    [ErrorCode.INVALID_PAYLOAD, false],
    [ErrorCode.AUTH_FAILED, false],
    [ErrorCode.RECONNECT_EXHAUSTED, false],
    [ErrorCode.CLIENT_CLOSED, false],
    [ErrorCode.SUBSCRIBE_REJECTED, false],
    [ErrorCode.INSECURE_TRANSPORT, false],
    [ErrorCode.ABORTED, false],
  ])('%s defaults to retryable %s', (code, retryable) => {
    expect(new WebMqttError(code, 'x').retryable).toBe(retryable);
  });

  it('lets the caller override retryable', () => {
    expect(new WebMqttError(ErrorCode.AUTH_FAILED, 'x', { retryable: true }).retryable).toBe(true);
    expect(new WebMqttError(ErrorCode.CONNECTION_LOST, 'x', { retryable: false }).retryable).toBe(false);
  });

  it('keeps cause, reasonCode and field', () => {
    const cause = new TypeError('inner');
    const error = new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'x', { cause, reasonCode: 0x87, field: 'url' });
    expect(error.cause).toBe(cause);
    expect(error.reasonCode).toBe(0x87);
    expect(error.field).toBe('url');
  });

  it('has no own cause when none is given, and the cause is not enumerable', () => {
    expect(Object.hasOwn(new WebMqttError(ErrorCode.ABORTED, 'x'), 'cause')).toBe(false);
    const error = new WebMqttError(ErrorCode.ABORTED, 'x', { cause: 'why' });
    expect(Object.keys(error)).not.toContain('cause');
  });

  it('keeps a falsy cause', () => {
    expect(new WebMqttError(ErrorCode.ABORTED, 'x', { cause: 0 }).cause).toBe(0);
    expect(new WebMqttError(ErrorCode.ABORTED, 'x', { cause: null }).cause).toBeNull();
  });
});

describe('isWebMqttError', () => {
  it('recognises its own errors', () => {
    expect(isWebMqttError(new WebMqttError(ErrorCode.ABORTED, 'x'))).toBe(true);
  });

  it('recognises an error from a separately loaded copy of the module, where instanceof fails', async () => {
    vi.resetModules();
    const copy: typeof import('../src/core/errors') = await import('../src/core/errors');
    expect(copy.WebMqttError).not.toBe(WebMqttError);
    const foreign = new copy.WebMqttError(copy.ErrorCode.ABORTED, 'from the other copy');
    expect(foreign instanceof WebMqttError).toBe(false);
    expect(isWebMqttError(foreign)).toBe(true);
    expect(copy.isWebMqttError(new WebMqttError(ErrorCode.ABORTED, 'x'))).toBe(true);
  });

  it('recognises any object carrying the global brand (a UMD copy side by side)', () => {
    const umdLike = Object.assign(new Error('x'), { code: 'ABORTED', [Symbol.for('webmqtt.error')]: true });
    expect(isWebMqttError(umdLike)).toBe(true);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'WebMqttError'],
    ['a plain Error', new Error('x')],
    ['a look-alike with name and code', Object.assign(new Error('x'), { name: 'WebMqttError', code: 'ABORTED', retryable: false })],
    ['a brand that is not true', { [Symbol.for('webmqtt.error')]: 'true' }],
    ['a local symbol of the same description', { [Symbol('webmqtt.error')]: true }],
    ['a string key instead of the symbol', { 'webmqtt.error': true }],
  ])('rejects %s', (_name, value) => {
    expect(isWebMqttError(value)).toBe(false);
  });
});

describe('toWebMqttError', () => {
  it('returns a WebMqttError unchanged', () => {
    const error = new WebMqttError(ErrorCode.ABORTED, 'x');
    expect(toWebMqttError(error, ErrorCode.CONNECTION_LOST)).toBe(error);
  });

  it('wraps anything else with the given code, keeping it as cause', () => {
    const inner = new Error('socket hang up');
    const wrapped = toWebMqttError(inner, ErrorCode.CONNECTION_LOST);
    expect(wrapped).toMatchObject({ code: 'CONNECTION_LOST', message: 'socket hang up', retryable: true });
    expect(wrapped.cause).toBe(inner);
    expect(toWebMqttError('text', ErrorCode.ABORTED).message).toBe('text');
    expect(toWebMqttError(inner, ErrorCode.ABORTED, 'custom').message).toBe('custom');
  });
});
