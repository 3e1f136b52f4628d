import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateDevCertificate } from '../src/index.js';
import { useFixtures } from './helpers/fixtures.js';

const posix = process.platform !== 'win32';

describe.runIf(posix)('the cached self-signed key', () => {
  const fx = useFixtures();

  it('is written with mode 0600 and reused silently while it stays private', async () => {
    const dir = await fx.tempDir();
    const warnings: string[] = [];
    const first = await loadOrCreateDevCertificate({ dir, onWarning: (m) => warnings.push(m) });
    expect((await stat(join(dir, 'localhost.pem'))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateDevCertificate({ dir, onWarning: (m) => warnings.push(m) });
    expect(again.created).toBe(false);
    expect(again.key).toBe(first.key);
    expect(warnings).toEqual([]);
  });

  it.each([0o644, 0o640, 0o604, 0o666])('readable by others (mode %o) is replaced by a new key with mode 0600, with a warning', async (mode) => {
    const dir = await fx.tempDir();
    const first = await loadOrCreateDevCertificate({ dir });
    const bundle = join(dir, 'localhost.pem');
    await chmod(bundle, mode);
    const warnings: string[] = [];
    const next = await loadOrCreateDevCertificate({ dir, onWarning: (m) => warnings.push(m) });
    expect(next.created).toBe(true);
    expect(next.key).not.toBe(first.key);
    expect((await stat(bundle)).mode & 0o777).toBe(0o600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(bundle);
    expect(warnings[0]).toMatch(new RegExp(`0${mode.toString(8)}`));
    expect(warnings[0]).not.toContain('PRIVATE KEY');
  });

  it('the broker reports the replaced key through logger.warn', async () => {
    const certDir = await fx.tempDir();
    await loadOrCreateDevCertificate({ dir: certDir });
    await chmod(join(certDir, 'localhost.pem'), 0o644);
    const warnings: string[] = [];
    await fx.broker({ wssPort: 0, certDir, logger: { warn: (m) => warnings.push(m) } });
    expect(warnings.some((w) => w.includes('localhost.pem'))).toBe(true);
  });
});
