import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCertDir, generateLocalhostCertificate, isUsable, loadOrCreateDevCertificate } from '../src/tls-cert.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'webmqtt-cert-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const DAY = 24 * 3600 * 1000;

describe('loadOrCreateDevCertificate', () => {
  it('generates a localhost certificate once and reuses it from the cache', async () => {
    const dir = join(await tempDir(), 'nested', 'certs');
    const first = await loadOrCreateDevCertificate({ dir });
    expect(first.created).toBe(true);
    expect(first.certFile).toBe(join(dir, 'localhost.crt'));
    expect((await stat(join(dir, 'localhost.pem'))).mode & 0o077).toBe(0); // the key file is private
    const second = await loadOrCreateDevCertificate({ dir });
    expect(second).toMatchObject({ created: false, cert: first.cert, key: first.key });
  });

  it('replaces a cached certificate that expires within a day', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateDevCertificate({ dir });
    const later = new Date(Date.now() + 365 * DAY - DAY / 2);
    const renewed = await loadOrCreateDevCertificate({ dir, now: () => later });
    expect(renewed.created).toBe(true);
    expect(renewed.cert).not.toBe(first.cert);
  });

  it('replaces a corrupt cache file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'localhost.pem'), 'not a pem');
    expect((await loadOrCreateDevCertificate({ dir })).created).toBe(true);
    expect(await readFile(join(dir, 'localhost.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('still returns a certificate when the cache cannot be written', async () => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, '');
    const errors: unknown[] = [];
    const result = await loadOrCreateDevCertificate({ dir: join(file, 'sub'), onCacheError: (e) => errors.push(e) });
    expect(result).toMatchObject({ created: true, certFile: undefined });
    expect(errors).toHaveLength(1);
  });
});

describe('generateLocalhostCertificate', () => {
  it('covers localhost, 127.0.0.1 and ::1 for a year', async () => {
    const now = new Date();
    const pair = await generateLocalhostCertificate(now);
    const x509 = new X509Certificate(pair.cert);
    expect(x509.subject).toContain('CN=localhost');
    expect(x509.subjectAltName).toMatch(/DNS:localhost.*IP Address:127\.0\.0\.1.*IP Address:0:0:0:0:0:0:0:1|DNS:localhost.*IP Address:127\.0\.0\.1.*IP Address:::1/);
    expect(Date.parse(x509.validTo) - now.getTime()).toBeGreaterThan(364 * DAY);
    expect(isUsable(pair, now)).toBe(true);
  });
});

describe('isUsable', () => {
  it('rejects a key that does not belong to the certificate', async () => {
    const a = await generateLocalhostCertificate(new Date());
    const b = await generateLocalhostCertificate(new Date());
    expect(isUsable({ key: a.key, cert: b.cert }, new Date())).toBe(false);
  });
});

describe('defaultCertDir', () => {
  it('prefers WEBMQTT_CERT_DIR, else ~/.webmqtt/certs', () => {
    expect(defaultCertDir({ WEBMQTT_CERT_DIR: '/x' })).toBe('/x');
    expect(defaultCertDir({})).toMatch(/\.webmqtt[\\/]certs$/);
  });
});
