import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { BrokerError, BrokerErrorCode } from './errors.js';

/** A PEM key and certificate pair. */
export interface PemPair {
  key: string;
  cert: string;
}

/** What {@link loadOrCreateDevCertificate} returns. */
export interface DevCertificate extends PemPair {
  /** True when the pair was generated now, false when read from the cache. */
  created: boolean;
  /** The file holding the certificate alone (to import into a trust store), when it could be written. */
  certFile: string | undefined;
}

/** Options of {@link loadOrCreateDevCertificate}. */
export interface DevCertificateOptions {
  /** Cache directory; see {@link defaultCertDir}. */
  dir: string;
  /** Current time; injected by tests. */
  now?: () => Date;
  /** Told when the cache cannot be written (the certificate then lives for this process only). */
  onCacheError?: (error: unknown) => void;
  /** Told when the cached key was not private (readable by other users) and has been replaced. */
  onWarning?: (message: string) => void;
}

const BUNDLE_FILE = 'localhost.pem';
const CERT_FILE = 'localhost.crt';
const VALID_DAYS = 365;
// Regenerate a little before expiry, so a long dev session does not run into it.
const RENEW_MARGIN_MS = 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `$WEBMQTT_CERT_DIR`, else `~/.webmqtt/certs`. */
export function defaultCertDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEBMQTT_CERT_DIR || join(homedir(), '.webmqtt', 'certs');
}

/**
 * Returns a self-signed certificate for `localhost`, `127.0.0.1` and `::1`, reusing the one cached
 * in `dir` while it is valid and private, so a browser exception only has to be accepted once.
 * A cached key other users could read (or that another user owns) may have been copied: it is
 * replaced by a new one, with a warning.
 */
export async function loadOrCreateDevCertificate(options: DevCertificateOptions): Promise<DevCertificate> {
  const now = options.now?.() ?? new Date();
  const bundlePath = join(options.dir, BUNDLE_FILE);
  const certPath = join(options.dir, CERT_FILE);
  const cached = await readBundle(bundlePath);
  if (cached && isUsable(cached, now)) {
    const exposure = await exposureOf(bundlePath);
    if (exposure === undefined) return { ...cached, created: false, certFile: certPath };
    options.onWarning?.(`the cached TLS key ${bundlePath} ${exposure}; it may have been copied, so a new key and certificate replace it (accept the new certificate in the browser once)`);
  }

  const pair = await generateLocalhostCertificate(now);
  try {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    // Write-then-rename: two brokers starting together never read a half-written bundle.
    const tmp = `${bundlePath}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, pair.key + pair.cert, { mode: 0o600 });
    await rename(tmp, bundlePath);
    await writeFile(certPath, pair.cert, { mode: 0o644 });
    return { ...pair, created: true, certFile: certPath };
  } catch (error) {
    options.onCacheError?.(error);
    return { ...pair, created: true, certFile: undefined };
  }
}

/** Generates a fresh self-signed pair for the local host names, valid from `now` for a year. */
export async function generateLocalhostCertificate(now: Date): Promise<PemPair> {
  try {
    const result = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      // Backdated a minute to tolerate small clock differences between processes.
      notBeforeDate: new Date(now.getTime() - 60_000),
      notAfterDate: new Date(now.getTime() + VALID_DAYS * DAY_MS),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    });
    return { key: result.private, cert: result.cert };
  } catch (cause) {
    throw new BrokerError(BrokerErrorCode.CERTIFICATE_FAILED, 'could not generate the self-signed certificate', { cause });
  }
}

/** How the key file at `path` is exposed to other users, or undefined when it is private (or the OS has no modes). */
async function exposureOf(path: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if ((info.mode & 0o077) !== 0) return `was readable by other users (mode 0${(info.mode & 0o777).toString(8)})`;
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) return `belongs to another user (uid ${info.uid})`;
  return undefined;
}

async function readBundle(path: string): Promise<PemPair | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const key = pemBlocks(text).find((block) => block.includes('PRIVATE KEY-----'));
  const cert = pemBlocks(text).find((block) => block.includes('BEGIN CERTIFICATE-----'));
  return key && cert ? { key, cert } : undefined;
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----\r?\n?/g) ?? [];
}

/** True when the pair matches, covers `localhost` and stays valid for at least another day. */
export function isUsable(pair: PemPair, now: Date): boolean {
  try {
    const x509 = new X509Certificate(pair.cert);
    const from = Date.parse(x509.validFrom);
    const to = Date.parse(x509.validTo);
    return (
      from <= now.getTime() &&
      to - RENEW_MARGIN_MS > now.getTime() &&
      x509.checkPrivateKey(createPrivateKey(pair.key)) &&
      (x509.subjectAltName ?? '').includes('DNS:localhost')
    );
  } catch {
    return false;
  }
}
