import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLocalhostCertificate } from '../src/tls-cert.js';
import { createCaAndClientCert } from './helpers/certs.js';
import { useFixtures } from './helpers/fixtures.js';

describe('broker over WSS', () => {
  const fx = useFixtures();

  it('serves WSS with a self-signed localhost certificate that clients can trust via broker.certificate', async () => {
    const broker = await fx.broker({ wssPort: 0 });
    const token = await broker.issueToken();
    const client = await fx.connect(broker.urls.wss!, { username: 'dev', password: token, ca: broker.certificate! });
    expect(client.connected).toBe(true);
    const x509 = new X509Certificate(broker.certificate!);
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
  });

  it('is refused by a client that does not trust the certificate, and accepted with rejectUnauthorized false', async () => {
    const broker = await fx.broker({ wssPort: 0, auth: { anonymous: true } });
    const refused = await fx.refusal(broker.urls.wss!);
    expect(refused.error.message).toMatch(/self[- ]signed|certificate/i);
    await fx.connect(broker.urls.wss!, { rejectUnauthorized: false });
  });

  it('caches the certificate on disk and reuses it on the next start', async () => {
    const certDir = await fx.tempDir();
    const first = await fx.broker({ wssPort: 0, certDir });
    const onDisk = await readFile(join(certDir, 'localhost.crt'), 'utf8');
    expect(onDisk).toBe(first.certificate);
    await first.stop();
    const second = await fx.broker({ wssPort: 0, certDir });
    expect(second.certificate).toBe(first.certificate);
  });

  it('uses the certificate given in tls instead of generating one', async () => {
    const pair = await generateLocalhostCertificate(new Date());
    const certDir = await fx.tempDir();
    const broker = await fx.broker({ wssPort: 0, certDir, tls: pair, auth: { anonymous: true } });
    expect(broker.certificate).toBe(pair.cert);
    await fx.connect(broker.urls.wss!, { ca: pair.cert });
    await expect(readFile(join(certDir, 'localhost.crt'))).rejects.toThrow(/ENOENT/);
  });

  describe('with mTLS', () => {
    async function mtlsBroker() {
      const { ca, client } = await createCaAndClientCert();
      const server = await generateLocalhostCertificate(new Date());
      const broker = await fx.broker({
        wssPort: 0,
        auth: { anonymous: true },
        tls: { key: server.key, cert: server.cert, ca: ca.cert, requestCert: true },
      });
      return { broker, client, serverCert: server.cert };
    }

    it('accepts a client presenting a certificate signed by the configured CA', async () => {
      const { broker, client, serverCert } = await mtlsBroker();
      const mqttClient = await fx.connect(broker.urls.wss!, { ca: serverCert, key: client.key, cert: client.cert });
      expect(mqttClient.connected).toBe(true);
    });

    it('refuses a client without a certificate', async () => {
      const { broker, serverCert } = await mtlsBroker();
      const refused = await fx.refusal(broker.urls.wss!, { ca: serverCert });
      expect(refused.error.message).toMatch(/certificate|socket hang up|ECONNRESET|closed/i);
      expect(broker.clients).toBe(0);
    });

    it('refuses a client whose certificate another CA signed', async () => {
      const { broker, serverCert } = await mtlsBroker();
      const stranger = await createCaAndClientCert('stranger');
      const refused = await fx.refusal(broker.urls.wss!, { ca: serverCert, key: stranger.client.key, cert: stranger.client.cert });
      expect(refused.error.message).toMatch(/certificate|unknown ca|socket hang up|ECONNRESET|closed/i);
      expect(broker.clients).toBe(0);
    });
  });
});
