import { describe, expect, it } from 'vitest';
import { normalizeOptions } from '../src/options.js';

describe('normalizeOptions', () => {
  it('applies the defaults: ports 8084/8085 on 127.0.0.1, 1 MiB packets, control endpoints off', () => {
    const o = normalizeOptions({}, { HOME: '/home/x' });
    expect(o).toMatchObject({ wsPort: 8084, wssPort: 8085, host: '127.0.0.1', maxPacketSize: 1024 * 1024, controlEndpoints: false });
    expect(o.auth.jwt?.secretGenerated).toBe(true);
  });

  it('takes the cert dir from WEBMQTT_CERT_DIR unless certDir is given', () => {
    expect(normalizeOptions({}, { WEBMQTT_CERT_DIR: '/env/certs' }).certDir).toBe('/env/certs');
    expect(normalizeOptions({ certDir: '/opt' }, { WEBMQTT_CERT_DIR: '/env/certs' }).certDir).toBe('/opt');
  });

  it('turns on rejectUnauthorized when client certificates are requested', () => {
    const tls = normalizeOptions({ tls: { key: 'k', cert: 'c', ca: 'ca', requestCert: true } }).tls;
    expect(tls?.rejectUnauthorized).toBe(true);
  });

  it.each([
    [{ wsPort: -1 }, 'wsPort'],
    [{ wsPort: 1.5 }, 'wsPort'],
    [{ wssPort: 'x' as unknown as number }, 'wssPort'],
    [{ host: '' }, 'host'],
    [{ maxPacketSize: 0 }, 'maxPacketSize'],
    [{ tls: { key: '', cert: 'c' } }, 'tls.key'],
    [{ tls: { key: 'k', cert: 'c', requestCert: true } }, 'tls.ca'],
    [{ auth: { jwt: {} } }, 'auth.jwt'],
    [{ auth: { jwt: { secret: '' } } }, 'auth.jwt.secret'],
    [{ auth: { jwt: { jwks: {} as never } } }, 'auth.jwt.jwks'],
    [{ auth: { queryParam: '' } }, 'auth.queryParam'],
  ])('rejects %j naming %s', (options, field) => {
    expect(() => normalizeOptions(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', field }));
  });
});
