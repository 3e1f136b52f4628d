import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '@webmqtt/broker';
import { createClient, type WebMqttClient } from '../src/client';
import { ErrorCode, isWebMqttError, type WebMqttError } from '../src/core/errors';
import { normalizeOptions } from '../src/core/options';
import { reachableText } from './support/reachable-text';

// The security issue's "Low" findings: option errors that echo short secrets, and secrets reachable by
// console.log(client) / util.inspect / JSON.stringify. The client's own toJSON/inspect hooks (client.ts) are not
// relied on here: what is proven is that the secrets are not in anything enumerable the client holds.

const URL_OK = 'wss://broker.example.com:8085/mqtt';

function thrown(input: Record<string, unknown>): WebMqttError {
  try {
    normalizeOptions({ url: URL_OK, ...input });
  } catch (error) {
    if (isWebMqttError(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

function leaks(client: WebMqttClient, secrets: readonly string[]): string[] {
  let json = '';
  try {
    json = JSON.stringify(client);
  } catch {
    // After connect() MQTT.js's timers make the graph cyclic: JSON.stringify throws instead of printing.
  }
  const surfaces = { json, inspect: inspect(client, { depth: Infinity }), walk: reachableText(client) };
  return Object.entries(surfaces).flatMap(([surface, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${surface}: ${s}`));
}

describe('security: option errors never echo what is under auth, password, tls or properties', () => {
  it.each([
    ['auth a short string', { auth: 'pw-1234567890-SECRET' }, 'auth', 'a string'],
    ['auth.token a number', { auth: { token: 12345678 } }, 'auth.token', 'a number'],
    ['auth.placement a secret-looking string', { auth: { token: 't', placement: 'pw-SECRET' } }, 'auth.placement', 'a string'],
    ['auth.username a boolean', { auth: { token: 't', username: true } }, 'auth.username', 'a boolean'],
    ['tls a PEM string', { tls: '-----BEGIN PRIVATE KEY-----abc' }, 'tls', 'a string'],
    ['tls.passphrase a number', { tls: { passphrase: 424242 } }, 'tls.passphrase', 'a number'],
    ['properties a string', { properties: 'authdata-SECRET' }, 'properties', 'a string'],
    ['will.properties a string', { will: { topic: 'a', payload: 'x', properties: 'will-SECRET' } }, 'will.properties', 'a string'],
  ])('%s: says the type, not the value', (_what, input, field, type) => {
    const error = thrown(input);
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`(got ${type})`);
    expect(error.message).not.toMatch(/SECRET|12345678|BEGIN|424242|true\)/);
  });

  it('still shows short values of harmless options, which helps more than it risks', () => {
    expect(thrown({ protocolVersion: '5' }).message).toContain('(got "5")');
    expect(thrown({ keepalive: -1 }).message).toContain('(got -1)');
  });
});

describe('security: nothing an inspector or serializer reaches holds a secret', () => {
  const token = 'tok-static-1234567890-SECRET';
  const secrets = [token, 'hunter2', 'qtok-1234567890', 'pass-phrase-987654', 'PRIVATE-KEY-BYTES', 'authdata-55555'];
  const options = {
    url: `wss://dev:hunter2@broker.example.com/mqtt?api_key=qtok-1234567890`,
    auth: { token },
    tls: { key: 'PRIVATE-KEY-BYTES', passphrase: 'pass-phrase-987654' },
    properties: { authenticationMethod: 'custom', authenticationData: new TextEncoder().encode('authdata-55555') },
    browserEvents: false,
  };

  it('before connect(): JSON.stringify(client), util.inspect(client) and a walk of its properties', () => {
    const client = createClient(options);
    // Before the fix: JSON.stringify(client) held opts.auth.token, opts.url (userinfo, api_key), opts.tls and the data.
    expect(leaks(client, secrets)).toEqual([]);
    expect(JSON.stringify(client)).toContain('"clientId"');
  });

  it('the normalised options still read as usual', () => {
    const o = normalizeOptions(options);
    expect(o.auth?.token).toBe(token);
    expect(o.url).toEqual([options.url]);
    expect(o.tls).toEqual(options.tls);
    expect(o.properties).toBe(options.properties);
    expect(Object.keys(o)).not.toEqual(expect.arrayContaining(['url', 'auth', 'tls', 'properties']));
  });

  describe('after connect(), on a real broker', () => {
    let broker: Broker;
    beforeAll(async () => {
      broker = await startBroker({ wsPort: 0, wssPort: 0, auth: { jwt: { secret: 'security-redaction-secret-long-enough-hs256' } } });
    });
    afterAll(async () => {
      await broker?.stop();
    });

    it.each(['password', 'username', 'query'] as const)('placement %s: the token is nowhere in the connected client', async (placement) => {
      const jwt = await broker.issueToken({ sub: 'redaction', ttl: 600 });
      const client = createClient({ url: broker.urls.ws as string, protocolVersion: 4, reconnect: false, browserEvents: false, auth: { token: jwt, placement } });
      await client.connect();
      await client.subscribe('redaction/a', () => {});
      // Before the fix: connection.token.token, connection.currentUrl (query) and MQTT.js's options.password/username.
      expect(leaks(client, [jwt, jwt.split('.')[2]!])).toEqual([]);
      await client.close();
    });

    it('wss:// with userinfo, a query credential and TLS settings: none of them in the connected client', async () => {
      const jwt = await broker.issueToken({ sub: 'redaction', ttl: 600 });
      const url = new URL(broker.urls.wss as string);
      url.username = 'dev';
      url.password = 'hunter2';
      url.searchParams.set('api_key', 'qtok-1234567890');
      const client = createClient({
        url: url.href,
        protocolVersion: 4,
        reconnect: false,
        browserEvents: false,
        auth: { token: jwt },
        tls: { rejectUnauthorized: false, passphrase: 'pass-phrase-987654' },
      });
      await client.connect();
      // Before the fix: MQTT.js's options.auth ('dev:hunter2'), query, path and wsOptions.passphrase.
      expect(leaks(client, [jwt, 'hunter2', 'qtok-1234567890', 'pass-phrase-987654'])).toEqual([]);
      await client.close();
    });
  });
});
