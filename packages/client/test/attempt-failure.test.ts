import { describe, expect, it } from 'vitest';
import { closedBeforeConnack, closeText, connectionLost, isAuthClose, notMqtt, unknownOutcome } from '../src/connection/attempt-failure';
import { TRANSPORT_FAILURE, setEngineHook } from '../src/engine/engine-hooks';
import { transportFailure } from '../src/engine/node-transport-failure';
import { ErrorCode } from '../src/core/errors';
import { flush } from './support/fake-mqtt';
import { harness, track } from './support/harness';

const WHERE = 'wss://broker.example.com:8085/mqtt';
const closed = (closeCode: number | undefined, closeReason = '', opened: boolean | undefined = true) => ({ opened, closeCode, closeReason });

describe('attempt-failure: what a close before CONNACK means', () => {
  it.each([
    [1002, 'unauthenticated'],
    [1008, ''],
    [1008, 'policy'],
    [1000, 'not authorized'],
    [4001, 'Unauthorized'],
    [3000, ''],
    [1011, 'token expired'],
  ])('close %i %j is a refusal of the credentials: AUTH_FAILED, not retryable, code and reason in the message', (code, reason) => {
    expect(isAuthClose(closed(code, reason))).toBe(true);
    const error = closedBeforeConnack(closed(code, reason), WHERE);
    expect(error).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: false });
    expect(error.message).toContain(`close code ${code}`);
    if (reason) expect(error.message).toContain(JSON.stringify(reason));
  });

  it.each([
    [1006, ''],
    [1001, 'going away'],
    [1011, 'internal error'],
    [1002, 'protocol error'],
  ])('close %i %j is CONNECTION_REFUSED (retried) with the close code and reason', (code, reason) => {
    expect(isAuthClose(closed(code, reason))).toBe(false);
    const error = closedBeforeConnack(closed(code, reason), WHERE);
    expect(error).toMatchObject({ code: ErrorCode.CONNECTION_REFUSED, retryable: true });
    expect(error.message).toContain(`close code ${code}`);
    expect(error.message).toContain(WHERE);
  });

  it('says when the WebSocket never opened, and says nothing it does not know', () => {
    expect(closeText(closed(1006, '', false))).toBe(' (close code 1006, the WebSocket never opened)');
    expect(closeText(unknownOutcome())).toBe('');
    expect(connectionLost(closed(1001, 'going away')).message).toBe('The connection to the broker was lost (close code 1001, reason "going away"); reconnecting.');
    expect(connectionLost(unknownOutcome()).code).toBe(ErrorCode.CONNECTION_LOST);
  });

  it('names the broker DISCONNECT first, then the error MQTT.js or the transport reported, then the close', () => {
    const goodbye = { reasonCode: 0x8b, reasonString: 'maintenance' };
    expect(connectionLost(closed(1000), goodbye, undefined, 5)).toMatchObject({
      code: ErrorCode.CONNECTION_LOST,
      reasonCode: 0x8b,
      message: 'The broker closed the connection (server shutting down: "maintenance").',
    });
    const error = connectionLost(unknownOutcome());
    expect(connectionLost(closed(1001), undefined, error)).toBe(error);
  });
});

describe('attempt-failure: Node transport errors', () => {
  const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'],
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
    ['EPROTO', 'write EPROTO ssl3_read_bytes:sslv3 alert handshake failure'],
  ])('%s is TLS_FAILED, not retryable, saying what to check', (code, message) => {
    const error = transportFailure(err(message, code), WHERE)!;
    expect(error).toMatchObject({ code: ErrorCode.TLS_FAILED, retryable: false, field: 'tls' });
    expect(error.message).toContain('tls.ca');
  });

  it.each([404, 400, 301, 426])('HTTP %i on the upgrade is HANDSHAKE_REJECTED naming the status and the path', (status) => {
    const error = transportFailure(err(`Unexpected server response: ${status}`), WHERE)!;
    expect(error).toMatchObject({ code: ErrorCode.HANDSHAKE_REJECTED, retryable: false });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain('/mqtt');
  });

  it('HTTP 401/403 is a refusal of the credentials; 502, 503 and 429 are retried', () => {
    expect(transportFailure(err('Unexpected server response: 401'), WHERE)).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: false });
    expect(transportFailure(err('Unexpected server response: 403'), WHERE)).toMatchObject({ code: ErrorCode.AUTH_FAILED, retryable: false });
    for (const status of [502, 503, 429]) expect(transportFailure(err(`Unexpected server response: ${status}`), WHERE)).toMatchObject({ code: ErrorCode.CONNECTION_REFUSED, retryable: true });
  });

  it('a refused or unreachable port is CONNECTION_REFUSED, retried, with the system code', () => {
    const error = transportFailure(err('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), WHERE)!;
    expect(error).toMatchObject({ code: ErrorCode.CONNECTION_REFUSED, retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(transportFailure(err('something else', 'EWHATEVER'), WHERE)).toBeUndefined();
  });

  it('a parser error before the CONNACK is PROTOCOL_ERROR; MQTT.js\'s own errors are not', () => {
    expect(notMqtt(err('Invalid header flag bits, must be 0x0 for connack packet'), WHERE)).toMatchObject({ code: ErrorCode.PROTOCOL_ERROR, retryable: false });
    expect(notMqtt(err('Keepalive timeout'), WHERE)).toBeUndefined();
    expect(notMqtt(err('connack timeout'), WHERE)).toBeUndefined();
    expect(notMqtt(err('read ECONNRESET', 'ECONNRESET'), WHERE)).toBeUndefined();
  });
});

/** The fake stands for MQTT.js's Node build: the Node engine adds its transport-error reader to the client. */
const nodeEngine = (h: ReturnType<typeof harness>) => setEngineHook(h.fake, TRANSPORT_FAILURE, transportFailure);

describe('connection: failures that surface (issue #13)', () => {
  it('a close with 1002 "unauthenticated" before CONNACK: one fresh token (reason rejected), then failed with AUTH_FAILED', async () => {
    const reasons: string[] = [];
    const h = harness({ auth: { token: ({ reason }) => (reasons.push(reason), `tok-${reasons.length}`) } });
    const done = track(h.client.connect());
    await flush();
    h.fake.socketOpened();
    h.fake.closeWith(1002, 'unauthenticated');
    await flush();
    expect(h.client.state).toBe('connecting');
    h.fake.socketOpened();
    h.fake.closeWith(1002, 'unauthenticated');
    await flush();
    expect(reasons).toEqual(['initial', 'rejected']);
    expect(h.client.state).toBe('failed');
    expect(done.state).toBe('rejected');
    expect(done.error.code).toBe(ErrorCode.AUTH_FAILED);
    expect(done.error.message).toContain('close code 1002, reason "unauthenticated"');
    // The first refusal reached `error` listeners; the second is what connect() rejected with, not emitted.
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.AUTH_FAILED]);
    expect(h.fake.connects).toHaveLength(2);
  });

  it("under 'auto', a close-frame refusal costs one socket per attempt (no 3.1.1 retry) and one token fetch", async () => {
    let fetches = 0;
    const h = harness({ protocolVersion: 'auto', auth: { token: () => `tok-${++fetches}` } });
    void h.client.connect().catch(() => {});
    await flush();
    h.fake.socketOpened();
    h.fake.closeWith(1008, 'not authorized');
    await flush();
    h.fake.socketOpened();
    h.fake.closeWith(1008, 'not authorized');
    await flush();
    expect(h.client.state).toBe('failed');
    expect(h.fake.connects.map((c) => c.protocolVersion)).toEqual([5, 5]);
    expect(fetches).toBe(2);
  });

  it("under 'auto', a WebSocket that never opened is not retried in 3.1.1 (one socket per attempt)", async () => {
    const h = harness({ protocolVersion: 'auto', reconnect: { maxAttempts: 2 }, socketsNeverOpen: true });
    void h.client.connect().catch(() => {});
    await flush();
    h.fake.closeWith(1006);
    await flush();
    expect(h.client.state).toBe('reconnecting');
    expect(h.fake.connects).toHaveLength(1);
    expect(h.errors[0]?.message).toContain('close code 1006, the WebSocket never opened');
  });

  it("under 'auto', a socket that opened and closed without CONNACK is still tried in 3.1.1 (old brokers do that)", async () => {
    const h = harness({ protocolVersion: 'auto' });
    void h.client.connect();
    await flush();
    h.fake.socketOpened();
    h.fake.closeWith(1006);
    await flush();
    expect(h.fake.connects.map((c) => c.protocolVersion)).toEqual([5, 4]);
  });

  it('Node: a TLS error fails at once with TLS_FAILED, one attempt, connect() rejects, nothing more on error', async () => {
    const h = harness({ reconnect: { maxAttempts: 5 } });
    const done = track(h.client.connect());
    await flush();
    nodeEngine(h);
    h.fake.streamError(Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }));
    await flush();
    expect(h.client.state).toBe('failed');
    expect(done.error.code).toBe(ErrorCode.TLS_FAILED);
    expect(h.fake.connects).toHaveLength(1);
    expect(h.errors).toEqual([]);
    await h.clock.tick(60_000);
    expect(h.fake.connects).toHaveLength(1);
  });

  it('Node: HTTP 404 on the upgrade fails at once with HANDSHAKE_REJECTED, one socket even under auto', async () => {
    const h = harness({ protocolVersion: 'auto' });
    const done = track(h.client.connect());
    await flush();
    nodeEngine(h);
    h.fake.streamError(new Error('Unexpected server response: 404'));
    await flush();
    expect(done.error.code).toBe(ErrorCode.HANDSHAKE_REJECTED);
    expect(h.fake.connects).toHaveLength(1);
  });

  it('a server that sends garbage instead of a CONNACK: PROTOCOL_ERROR at once, not a connect timeout', async () => {
    const h = harness();
    const done = track(h.client.connect());
    await flush();
    h.fake.emit('error', new Error('Invalid header flag bits, must be 0x0 for connack packet'));
    await flush();
    expect(done.error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('without the Node engine\'s reader (a factory of one\'s own), a transport error is no reason to give up', async () => {
    const h = harness();
    void h.client.connect();
    await flush();
    h.fake.streamError(new Error('Unexpected server response: 404'));
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('reconnecting');
  });

  it('a transient failure keeps retrying and every failed attempt reaches error listeners while connect() waits', async () => {
    const h = harness();
    const done = track(h.client.connect());
    await flush();
    nodeEngine(h);
    for (let i = 0; i < 3; i++) {
      h.fake.streamError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
      h.fake.dropSocket();
      await flush();
      await h.clock.tick(h.states.at(-1)!.retryInMs!);
    }
    expect(done.state).toBe('pending');
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.CONNECTION_REFUSED, ErrorCode.CONNECTION_REFUSED, ErrorCode.CONNECTION_REFUSED]);
    expect(h.errors[0]!.message).toContain('ECONNREFUSED');
  });

  it('connect() while reconnecting is "retry now": the attempt starts at once, and its promise settles with the connection', async () => {
    const h = harness({ reconnect: { initialDelayMs: 5_000, maxDelayMs: 30_000 } });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('reconnecting');
    const again = track(h.client.connect());
    await flush();
    expect(h.client.state).toBe('connecting');
    expect(h.fake.connects).toHaveLength(2);
    h.fake.acceptConnack();
    await flush();
    expect(again.state).toBe('resolved');
  });

  it('a lost connection says the close code where the socket showed one', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.closeWith(1001, 'going away');
    await flush();
    expect(h.states.at(-1)).toMatchObject({ current: 'reconnecting' });
    expect(h.states.at(-1)!.reason?.message).toContain('close code 1001, reason "going away"');
  });
});
