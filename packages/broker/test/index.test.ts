import { describe, expect, it } from 'vitest';

describe('package entry', () => {
  it('exports the public API and nothing runs on import', async () => {
    const before = process.getActiveResourcesInfo().length;
    const api = await import('../src/index.js');
    expect(Object.keys(api).sort()).toEqual(
      [
        'BrokerError',
        'BrokerErrorCode',
        'CONTROL_HEADER',
        'CONTROL_PATHS',
        'DEFAULTS',
        'MIN_SECRET_BYTES',
        'createRequestPolicy',
        'defaultCertDir',
        'generateSecret',
        'isBrokerError',
        'issueDevToken',
        'loadOrCreateDevCertificate',
        'startBroker',
      ].sort(),
    );
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before);
  });

  it('recognises broker errors by brand', async () => {
    const { BrokerError, isBrokerError } = await import('../src/index.js');
    const error = new BrokerError('PORT_IN_USE', 'taken', { port: 1, field: 'wsPort' });
    expect(isBrokerError(error)).toBe(true);
    expect(isBrokerError(new Error('x'))).toBe(false);
    expect(error).toMatchObject({ name: 'BrokerError', code: 'PORT_IN_USE', port: 1, field: 'wsPort' });
  });
});
