import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files written by {@link createTestPki}, all in one directory. */
export interface TestPki {
  dir: string;
  /** The CA that signed the server and the client certificate. */
  ca: string;
  /** `CN=localhost`, SAN `localhost` and `127.0.0.1`, serverAuth. */
  serverCert: string;
  serverKey: string;
  /** `CN=` {@link TestPki.clientName}, clientAuth: the broker takes its username from it. */
  clientCert: string;
  clientKey: string;
  clientName: string;
  /** A second, unrelated CA: trusting only this one must fail to verify the server. */
  otherCa: string;
}

// P-256 keys: generated in milliseconds, where RSA would take a noticeable share of a test's budget.
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

async function selfSignedCa(dir: string, name: string, subject: string): Promise<void> {
  await openssl(dir, [
    'req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function leaf(dir: string, name: string, subject: string, extensions: string, serial: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial,
    '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`,
  ]);
}

/**
 * A CA, a server certificate and a client certificate made for this run with the system `openssl`, plus an
 * unrelated CA, so no test depends on a key checked into the repository or on the machine's trust store.
 */
export async function createTestPki(dir: string, clientName = 'webmqtt-example-client'): Promise<TestPki> {
  await selfSignedCa(dir, 'ca', '/CN=webmqtt e2e CA');
  await selfSignedCa(dir, 'other-ca', '/CN=webmqtt e2e unrelated CA');
  await leaf(dir, 'server', '/CN=localhost', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ].join('\n') + '\n', '0x1001');
  await leaf(dir, 'client', `/CN=${clientName}`, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
  ].join('\n') + '\n', '0x1002');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    clientName,
    otherCa: join(dir, 'other-ca.pem'),
  };
}
