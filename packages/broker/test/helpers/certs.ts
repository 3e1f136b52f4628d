import { generate } from 'selfsigned';

/** A PEM key and certificate. */
export interface Pem {
  key: string;
  cert: string;
}

/**
 * A throwaway CA plus a client certificate it signed, for mTLS tests (the README shows the same
 * recipe for development).
 */
export async function createCaAndClientCert(clientName = 'device-1'): Promise<{ ca: Pem; client: Pem }> {
  const ca = await generate([{ name: 'commonName', value: 'webmqtt test CA' }], {
    algorithm: 'sha256',
    keyType: 'ec',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const client = await generate([{ name: 'commonName', value: clientName }], {
    algorithm: 'sha256',
    keyType: 'ec',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { ca: { key: ca.private, cert: ca.cert }, client: { key: client.private, cert: client.cert } };
}
