import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { startBroker, type Broker } from '@webmqtt/broker';
import { createClient, isWebMqttError } from '../src/index';

// Node.js (not a browser): the same client over wss:// with a client certificate, as the broker
// docs' Node example does. Browsers cannot present one, which is why token auth exists.
interface Pem { key: string; cert: string }

async function issue(commonName: string, options: Record<string, unknown>): Promise<Pem> {
  const made = await generate([{ name: 'commonName', value: commonName }], { algorithm: 'sha256', keyType: 'ec', ...options });
  return { key: made.private, cert: made.cert };
}

describe('Node.js wss:// with mutual TLS', () => {
  let broker: Broker;
  let ca: Pem;
  let client: Pem;

  beforeAll(async () => {
    ca = await issue('webmqtt mTLS test CA', {
      extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }],
    });
    const server = await issue('localhost', {
      ca: { key: ca.key, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
      ],
    });
    client = await issue('device-1', {
      ca: { key: ca.key, cert: ca.cert },
      extensions: [{ name: 'basicConstraints', cA: false }, { name: 'extKeyUsage', clientAuth: true }],
    });
    broker = await startBroker({
      wsPort: 0,
      wssPort: 0,
      auth: { anonymous: true },
      tls: { key: server.key, cert: server.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
    });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('connects, publishes and receives with a client certificate the broker trusts', async () => {
    const mqtt = createClient({
      url: broker.urls.wss as string,
      protocolVersion: 4,
      reconnect: false,
      tls: { key: client.key, cert: client.cert, ca: ca.cert },
    });
    await mqtt.connect();
    const got = new Promise<string>((resolve) => void mqtt.subscribe('mtls/hello', (m) => resolve(m.text()), { qos: 1 }));
    await new Promise((r) => setTimeout(r, 50));
    await mqtt.publish('mtls/hello', 'signed in with a certificate', { qos: 1 });
    expect(await got).toBe('signed in with a certificate');
    await mqtt.close();
  });

  it('is refused without a client certificate: connect() rejects with a typed error', async () => {
    // Default reconnect: a missing certificate is not retried (issue #13), it fails at once with TLS_FAILED.
    const mqtt = createClient({ url: broker.urls.wss as string, protocolVersion: 4, connectTimeoutMs: 3_000, tls: { ca: ca.cert } });
    const started = Date.now();
    const error = await mqtt.connect().then(() => undefined, (e: unknown) => e);
    expect(isWebMqttError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('TLS_FAILED');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(mqtt.state).toBe('failed');
    await mqtt.close();
  });
});
