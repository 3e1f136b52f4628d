import { describe, expect, it, vi } from 'vitest';
import { MAX_IN_FLIGHT } from '../src/connection/connection';
import { ErrorCode } from '../src/core/errors';
import type { TokenProvider } from '../src/core/options';
import { fakeJwt, flush } from './support/fake-mqtt';
import { harness, text, track } from './support/harness';

/** Makes the current attempt fail the way a broker that is down does: the socket closes before any CONNACK. */
async function failAttempt(h: ReturnType<typeof harness>): Promise<void> {
  h.fake.dropSocket();
  await flush();
}

describe('connection: first connect', () => {
  it('goes idle -> connecting -> connected and resolves connect() on the CONNACK', async () => {
    const h = harness();
    expect(h.client.state).toBe('idle');
    const done = track(h.client.connect());
    await flush();
    expect(h.client.state).toBe('connecting');
    expect(h.fake.connects).toHaveLength(1);
    expect(done.state).toBe('pending');
    h.fake.acceptConnack();
    await flush();
    expect(done.state).toBe('resolved');
    expect(h.stateNames).toEqual(['idle', 'connecting', 'connected']);
    expect(h.states[0]).toMatchObject({ previous: 'idle', current: 'connecting', attempt: 1 });
  });

  it('opens the socket to the configured URL with the MQTT.js options webmqtt relies on', async () => {
    const h = harness({ keepalive: 15, clean: false, sessionExpiryInterval: 600 });
    void h.client.connect();
    await flush();
    const opts = h.fake.options;
    expect(h.fake.urls).toEqual(['wss://broker.example.com:8085/mqtt']);
    expect(opts).toMatchObject({ clientId: 'test-client', keepalive: 15, reconnectPeriod: 0, manualConnect: true, resubscribe: false, queueQoSZero: false });
    expect(opts['properties']).toEqual({ sessionExpiryInterval: 600 });
    expect(h.fake.lastConnect?.clean).toBe(false);
  });

  it('emits connect with sessionPresent from the CONNACK', async () => {
    const h = harness({ clean: false });
    await h.connectNow({ sessionPresent: true });
    expect(h.connects).toEqual([{ sessionPresent: true }]);
  });

  it('resolves a second connect() at once while connected and creates no second MQTT.js client', async () => {
    const h = harness();
    await h.connectNow();
    await expect(h.client.connect()).resolves.toBeUndefined();
    expect(h.factoryCalls).toBe(1);
    expect(h.fake.connects).toHaveLength(1);
  });

  it('joins a connect() made while connecting to the same attempt', async () => {
    const h = harness();
    const a = track(h.client.connect());
    await flush();
    const b = track(h.client.connect());
    await flush();
    expect(h.fake.connects).toHaveLength(1);
    h.fake.acceptConnack();
    await flush();
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
  });
});

describe('connection: reconnect with backoff', () => {
  it('goes to reconnecting with retryInMs from the policy after a lost socket, then reconnects', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('reconnecting');
    const change = h.states.at(-1)!;
    expect(change).toMatchObject({ previous: 'connected', current: 'reconnecting', retryInMs: 1000 });
    expect(change.reason?.code).toBe(ErrorCode.CONNECTION_LOST);
    await h.clock.tick(999);
    expect(h.fake.connects).toHaveLength(1);
    await h.clock.tick(1);
    expect(h.fake.connects).toHaveLength(2);
    expect(h.fake.lastConnect?.kind).toBe('reconnect');
    expect(h.fake.reconnectOpts[0]).toEqual({ incomingStore: h.fake.incomingStore, outgoingStore: h.fake.outgoingStore });
    h.fake.acceptConnack();
    await flush();
    expect(h.stateNames).toEqual(['idle', 'connecting', 'connected', 'reconnecting', 'connecting', 'connected']);
    expect(h.factoryCalls).toBe(1);
  });

  it('doubles the delay on every failed attempt up to maxDelayMs (jitter none)', async () => {
    const h = harness({ reconnect: { initialDelayMs: 1000, maxDelayMs: 10_000, factor: 2 } });
    void h.client.connect();
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await failAttempt(h);
      const change = h.states.at(-1)!;
      expect(change.current).toBe('reconnecting');
      delays.push(change.retryInMs!);
      await h.clock.tick(change.retryInMs!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(h.fake.connects).toHaveLength(7);
  });

  it('counts attempts in the reconnecting events', async () => {
    const h = harness();
    void h.client.connect();
    await flush();
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await failAttempt(h);
      attempts.push(h.states.at(-1)!.attempt!);
      await h.clock.tick(h.states.at(-1)!.retryInMs!);
    }
    // The attempt being waited for: the first retry is attempt 2.
    expect(attempts).toEqual([2, 3, 4]);
  });

  it('announces in reconnecting the same attempt number the following connecting makes', async () => {
    const h = harness();
    void h.client.connect();
    await flush();
    await failAttempt(h);
    const waiting = h.states.at(-1)!;
    await h.clock.tick(waiting.retryInMs!);
    const making = h.states.at(-1)!;
    expect(making.current).toBe('connecting');
    expect(waiting.attempt).toBe(making.attempt);
  });

  it('fails with RECONNECT_EXHAUSTED after maxAttempts attempts, says how many, and rejects connect()', async () => {
    const h = harness({ reconnect: { maxAttempts: 3 } });
    const done = track(h.client.connect());
    await flush();
    for (let i = 0; i < 2; i++) {
      await failAttempt(h);
      expect(h.client.state).toBe('reconnecting');
      await h.clock.tick(h.states.at(-1)!.retryInMs!);
    }
    await failAttempt(h);
    expect(h.client.state).toBe('failed');
    // three attempts in all, as the option's name says
    expect(h.fake.connects).toHaveLength(3);
    expect(h.states.filter((s) => s.current === 'connecting').map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(done.state).toBe('rejected');
    expect(done.error.code).toBe(ErrorCode.RECONNECT_EXHAUSTED);
    expect(done.error.message).toMatch(/^Gave up after 3 attempts, each failed \(reconnect\.maxAttempts is 3\)/);
    expect(done.error.message).toContain('Last failure: ');
    expect(done.error.retryable).toBe(false);
    expect(h.states.at(-1)!.reason?.code).toBe(ErrorCode.RECONNECT_EXHAUSTED);
    await h.clock.tick(120_000);
    expect(h.fake.connects).toHaveLength(3);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('emits RECONNECT_EXHAUSTED as an error event when no connect() is waiting', async () => {
    const h = harness({ reconnect: { maxAttempts: 1 } });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    await failAttempt(h);
    expect(h.client.state).toBe('failed');
    // The failed attempt's reason, then the giving up.
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.CONNECTION_REFUSED, ErrorCode.RECONNECT_EXHAUSTED]);
  });

  it('starts counting again when connect() is called after failed', async () => {
    const h = harness({ reconnect: { maxAttempts: 2 } });
    void h.client.connect().catch(() => {});
    await flush();
    await failAttempt(h);
    await h.clock.tick(1000);
    await failAttempt(h);
    expect(h.client.state).toBe('failed');
    const again = track(h.client.connect());
    await flush();
    expect(h.client.state).toBe('connecting');
    expect(h.states.at(-1)).toMatchObject({ previous: 'failed', current: 'connecting', attempt: 1 });
    await failAttempt(h);
    expect(h.states.at(-1)).toMatchObject({ current: 'reconnecting', retryInMs: 1000 });
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    expect(again.state).toBe('resolved');
  });

  it('keeps counting when a connection lived shorter than resetAfterMs', async () => {
    const h = harness({ reconnect: { resetAfterMs: 10_000 } });
    void h.client.connect();
    await flush();
    await failAttempt(h); // failure 1: 1000
    await h.clock.tick(1000);
    h.fake.acceptConnack();
    await flush();
    await h.clock.tick(9_999);
    h.fake.dropSocket();
    await flush();
    expect(h.states.at(-1)).toMatchObject({ current: 'reconnecting', attempt: 3, retryInMs: 2000 });
  });

  it('resets the counter when a connection lived resetAfterMs or longer', async () => {
    const h = harness({ reconnect: { resetAfterMs: 10_000 } });
    void h.client.connect();
    await flush();
    await failAttempt(h);
    await h.clock.tick(1000);
    await failAttempt(h); // failure 2: 2000
    await h.clock.tick(2000);
    h.fake.acceptConnack();
    await flush();
    await h.clock.tick(10_000);
    h.fake.dropSocket();
    await flush();
    expect(h.states.at(-1)).toMatchObject({ current: 'reconnecting', attempt: 2, retryInMs: 1000 });
  });

  it('fails at once when reconnect is false and the connection is lost', async () => {
    const h = harness({ reconnect: false });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('failed');
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.CONNECTION_LOST]);
    await h.clock.tick(60_000);
    expect(h.fake.connects).toHaveLength(1);
  });
});

describe('connection: connect timeout', () => {
  it('fails the attempt with CONNECT_TIMEOUT after connectTimeoutMs, kills the socket and retries', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    void h.client.connect();
    await flush();
    const first = h.fake.stream!;
    await h.clock.tick(4999);
    expect(h.client.state).toBe('connecting');
    await h.clock.tick(1);
    expect(first.destroyed).toBe(true);
    expect(h.client.state).toBe('reconnecting');
    expect(h.states.at(-1)!.reason?.code).toBe(ErrorCode.CONNECT_TIMEOUT);
    expect(h.states.at(-1)!.retryInMs).toBe(1000);
    await h.clock.tick(1000);
    expect(h.fake.connects).toHaveLength(2);
    // the late close of the timed-out socket changes nothing
    expect(h.client.state).toBe('connecting');
    h.fake.acceptConnack();
    await flush();
    expect(h.client.state).toBe('connected');
  });

  it('clears the connect timer on CONNACK', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    await h.connectNow();
    expect(h.clock.pendingTimers).toBe(0);
    await h.clock.tick(60_000);
    expect(h.client.state).toBe('connected');
  });

  it('does not fall back to MQTT 3.1.1 on a timeout', async () => {
    const h = harness({ protocolVersion: 'auto', connectTimeoutMs: 1000 });
    void h.client.connect();
    await flush();
    await h.clock.tick(1000);
    expect(h.fake.protocolVersions).toEqual([5]);
    await h.clock.tick(1000);
    expect(h.fake.protocolVersions).toEqual([5, 5]);
  });
});

describe('connection: re-sending unacknowledged publishes after a CONNACK', () => {
  // A half-open link: the client publishes on, nothing is acknowledged, then the socket dies.
  // MQTT.js re-sends those publishes after the next CONNACK and says `connect` only once all are acked.
  async function afterStall() {
    const h = harness({ connectTimeoutMs: 3000 });
    await h.connectNow();
    for (let i = 0; i < 50; i++) void h.client.publish('t', String(i), { qos: 1 }).catch(() => {});
    await flush();
    expect(h.fake.unacked.length).toBeGreaterThan(0);
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    expect(h.client.state).toBe('connecting');
    h.fake.acceptConnack({ sessionPresent: true });
    await flush();
    expect(h.fake.replaying).toBe(true);
    return h;
  }

  it('keeps a socket that got its CONNACK past connectTimeoutMs while MQTT.js re-sends, and connects once all are acked', async () => {
    const h = await afterStall();
    const socket = h.fake.stream!;
    await h.clock.tick(10_000);
    expect(socket.destroyed).toBe(false);
    expect(h.fake.connects).toHaveLength(2);
    expect(h.states.map((s) => s.reason?.code).filter(Boolean)).toEqual([ErrorCode.CONNECTION_LOST]);
    h.fake.ack();
    await flush();
    expect(h.client.state).toBe('connected');
    expect(h.connects).toHaveLength(2);
  });

  it('never has more than MAX_IN_FLIGHT QoS 1/2 publishes unacknowledged, so the re-send after a stall stays short', async () => {
    const h = harness();
    await h.connectNow();
    for (let i = 0; i < MAX_IN_FLIGHT + 50; i++) void h.client.publish('t', String(i), { qos: 1 });
    await flush();
    expect(h.fake.unacked).toHaveLength(MAX_IN_FLIGHT);
    h.fake.ack(h.fake.unacked[0]!.messageId!);
    await h.clock.tick(1);
    expect(h.fake.unacked).toHaveLength(MAX_IN_FLIGHT);
    expect(h.fake.publishes).toHaveLength(MAX_IN_FLIGHT + 1);
  });

  it('reports a socket lost while re-sending as CONNECTION_LOST, not a refusal', async () => {
    const h = await afterStall();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('reconnecting');
    expect(h.states.at(-1)!.reason?.code).toBe(ErrorCode.CONNECTION_LOST);
  });
});

describe("connection: protocolVersion 'auto'", () => {
  it('tries MQTT 3.1.1 at once when the broker refuses v5 with "unacceptable protocol version"', async () => {
    const h = harness({ protocolVersion: 'auto' });
    void h.client.connect();
    await flush();
    h.fake.refuse(1);
    await flush();
    expect(h.fake.protocolVersions).toEqual([5, 4]);
    expect(h.client.state).toBe('connecting');
    expect(h.stateNames).toEqual(['idle', 'connecting']);
    h.fake.acceptConnack();
    await flush();
    expect(h.client.protocolVersion).toBe(4);
  });

  it('tries MQTT 3.1.1 at once when the socket closes before any CONNACK on v5', async () => {
    const h = harness({ protocolVersion: 'auto' });
    void h.client.connect();
    await flush();
    h.fake.dropSocket();
    await flush();
    expect(h.fake.protocolVersions).toEqual([5, 4]);
    expect(h.clock.pendingDelays.some((d) => d >= 1000 && d < 10_000)).toBe(false);
  });

  it('treats reason code 0x84 (unsupported protocol version) as a v5 refusal', async () => {
    const h = harness({ protocolVersion: 'auto' });
    void h.client.connect();
    await flush();
    h.fake.refuse(0x84);
    await flush();
    expect(h.fake.protocolVersions).toEqual([5, 4]);
  });

  it('remembers 3.1.1 after a 3.1.1 CONNACK: the next reconnect uses it straight away', async () => {
    const h = harness({ protocolVersion: 'auto' });
    void h.client.connect();
    await flush();
    h.fake.refuse(1);
    await flush();
    h.fake.acceptConnack();
    await flush();
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    expect(h.fake.protocolVersions).toEqual([5, 4, 4]);
    h.fake.dropSocket(); // even a close before CONNACK does not bring v5 back
    await flush();
    await h.clock.tick(10_000);
    expect(h.fake.protocolVersions.slice(3).every((v) => v === 4)).toBe(true);
  });

  it('remembers 5 after a v5 CONNACK and never tries 3.1.1 later', async () => {
    const h = harness({ protocolVersion: 'auto' });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    h.fake.dropSocket(); // close before CONNACK after v5 was proven
    await flush();
    expect(h.fake.protocolVersions).toEqual([5, 5]);
    expect(h.client.state).toBe('reconnecting');
  });

  it('goes back to v5 for the next retry when the tentative 3.1.1 attempt fails too', async () => {
    const h = harness({ protocolVersion: 'auto' });
    void h.client.connect();
    await flush();
    h.fake.dropSocket();
    await flush();
    h.fake.dropSocket();
    await flush();
    expect(h.client.state).toBe('reconnecting');
    await h.clock.tick(h.states.at(-1)!.retryInMs!);
    expect(h.fake.protocolVersions).toEqual([5, 4, 5]);
  });

  it('sends only the fixed version when protocolVersion is 4', async () => {
    const h = harness({ protocolVersion: 4 });
    void h.client.connect();
    await flush();
    h.fake.dropSocket();
    await flush();
    expect(h.fake.protocolVersions).toEqual([4]);
    expect(h.client.protocolVersion).toBe(4);
  });
});

describe('connection: token auth', () => {
  it('asks the provider before every attempt with reasons initial, then reconnect', async () => {
    const provider = vi.fn<TokenProvider>(() => 'opaque-token');
    const h = harness({ auth: { token: provider } });
    await h.connectNow();
    h.fake.dropSocket();
    await flush();
    await h.clock.tick(1000);
    expect(provider.mock.calls.map((c) => c[0])).toEqual([
      { attempt: 1, reason: 'initial' },
      { attempt: 2, reason: 'reconnect' },
    ]);
    expect(h.fake.connects.map((c) => c.password)).toEqual(['opaque-token', 'opaque-token']);
  });

  it.each([
    [4, 5],
    [5, 0x87],
  ] as const)('on v%s an auth refusal (%s) asks the provider again with reason "rejected" at once, then fails on a second refusal', async (version, code) => {
    let n = 0;
    const provider = vi.fn<TokenProvider>(() => `token-${++n}`);
    const h = harness({ protocolVersion: version, auth: { token: provider } });
    const done = track(h.client.connect());
    await flush();
    h.fake.refuse(code);
    await flush();
    expect(provider).toHaveBeenCalledTimes(2);
    expect(provider.mock.calls[1]![0].reason).toBe('rejected');
    expect(h.states.at(-2)).toMatchObject({ current: 'reconnecting', retryInMs: 0 });
    expect(h.client.state).toBe('connecting');
    expect(h.fake.lastConnect?.password).toBe('token-2');
    h.fake.refuse(code);
    await flush();
    expect(h.client.state).toBe('failed');
    expect(provider).toHaveBeenCalledTimes(2);
    expect(done.state).toBe('rejected');
    expect(done.error.code).toBe(ErrorCode.AUTH_FAILED);
    expect(done.error.reasonCode).toBe(code);
    expect(done.error.message).not.toContain('token-');
    await h.clock.tick(120_000);
    expect(h.fake.connects).toHaveLength(2);
  });

  it('connects when the token fetched after a rejection is accepted', async () => {
    const provider = vi.fn<TokenProvider>(({ reason }) => (reason === 'rejected' ? 'fresh' : 'stale'));
    const h = harness({ auth: { token: provider } });
    const done = track(h.client.connect());
    await flush();
    h.fake.refuse(0x86);
    await flush();
    h.fake.acceptConnack();
    await flush();
    expect(done.state).toBe('resolved');
    expect(h.fake.connects.map((c) => c.password)).toEqual(['stale', 'fresh']);
  });

  it('fails at once when a static token is refused', async () => {
    const h = harness({ auth: { token: 'static-token' } });
    const done = track(h.client.connect());
    await flush();
    h.fake.refuse(0x87);
    await flush();
    expect(h.client.state).toBe('failed');
    expect(done.error?.code).toBe(ErrorCode.AUTH_FAILED);
    expect(h.fake.connects).toHaveLength(1);
  });

  it('treats a provider that throws as a failed attempt and retries with backoff', async () => {
    let calls = 0;
    const h = harness({ auth: { token: () => {
      calls++;
      if (calls === 1) throw new Error('backend down');
      return 'ok';
    } } });
    void h.client.connect();
    await flush();
    expect(h.client.state).toBe('reconnecting');
    expect(h.states.at(-1)!.reason?.code).toBe(ErrorCode.AUTH_FAILED);
    expect((h.states.at(-1)!.reason?.cause as Error).message).toBe('backend down');
    expect(h.factoryCalls).toBe(0);
    await h.clock.tick(1000);
    expect(h.fake.lastConnect?.password).toBe('ok');
  });

  it('fails the attempt when the provider hangs longer than providerTimeoutMs', async () => {
    const h = harness({ auth: { token: () => new Promise<string>(() => {}), providerTimeoutMs: 2000 } });
    void h.client.connect();
    await flush();
    await h.clock.tick(2000);
    expect(h.client.state).toBe('reconnecting');
    expect(h.states.at(-1)!.reason?.code).toBe(ErrorCode.AUTH_FAILED);
    expect(h.factoryCalls).toBe(0);
  });

  it('refreshes an expiring token with a planned reconnect: DISCONNECT, reason "expiring", connected -> connecting -> connected', async () => {
    const clockStart = 1_700_000_000_000;
    const provider = vi.fn<TokenProvider>(({ reason }) => ({ token: `tok-${reason}`, expiresAt: clockStart + 3000 + (reason === 'expiring' ? 1_000_000 : 0) }));
    const h = harness({ auth: { token: provider, refreshBeforeExpiryMs: 1000 } });
    expect(h.clock.now()).toBe(clockStart);
    await h.connectNow();
    await h.clock.tick(1999);
    expect(h.fake.sentPackets.some((p) => p['cmd'] === 'disconnect')).toBe(false);
    await h.clock.tick(1);
    expect(h.fake.sentPackets.filter((p) => p['cmd'] === 'disconnect')).toHaveLength(1);
    expect(provider.mock.calls.map((c) => c[0].reason)).toEqual(['initial', 'expiring']);
    expect(h.client.state).toBe('connecting');
    expect(h.fake.lastConnect?.password).toBe('tok-expiring');
    h.fake.acceptConnack({ sessionPresent: true });
    await flush();
    expect(h.stateNames).toEqual(['idle', 'connecting', 'connected', 'connecting', 'connected']);
    expect(h.errors).toEqual([]);
  });

  it('reads the refresh time from a JWT exp when the provider returns a bare JWT', async () => {
    const start = 1_700_000_000_000;
    const jwt = fakeJwt({ exp: Math.floor(start / 1000) + 120 });
    const h = harness({ auth: { token: () => jwt, refreshBeforeExpiryMs: 60_000 } });
    await h.connectNow();
    expect(h.clock.pendingDelays).toEqual([60_000]);
  });

  it('waits for in-flight QoS 1 publishes before the planned DISCONNECT', async () => {
    const start = 1_700_000_000_000;
    const h = harness({ auth: { token: () => ({ token: 't', expiresAt: start + 2000 }), refreshBeforeExpiryMs: 1000 } });
    await h.connectNow();
    const pub = track(h.client.publish('a/b', 'x', { qos: 1 }));
    await flush();
    await h.clock.tick(1000);
    const held = track(h.client.publish('a/b', 'later', { qos: 0 }));
    await h.clock.tick(100);
    expect(h.fake.sentPackets.some((p) => p['cmd'] === 'disconnect')).toBe(false);
    expect(h.fake.publishes.map((p) => text(p.payload))).toEqual(['x']);
    h.fake.ack('all');
    await h.clock.tick(20);
    expect(pub.state).toBe('resolved');
    expect(h.fake.sentPackets.some((p) => p['cmd'] === 'disconnect')).toBe(true);
    h.fake.acceptConnack();
    await flush();
    expect(held.state).toBe('resolved');
  });

  // A token living shorter than refreshBeforeExpiryMs must not make the refresh delay 0 after every CONNACK (a reconnect storm).
  it('does not reconnect right after every CONNACK when tokens live shorter than refreshBeforeExpiryMs', async () => {
    const h = harness({ auth: { token: () => ({ token: 't', expiresAt: h.clock.now() + 30_000 }), refreshBeforeExpiryMs: 60_000 } });
    await h.connectNow();
    for (let i = 0; i < 5; i++) {
      await h.clock.tick(1);
      if (h.fake.awaitingConnack) h.fake.acceptConnack();
    }
    await flush();
    expect(h.fake.connects).toHaveLength(1);
  });
});

describe('connection: transport security for tokens', () => {
  it('refuses to send a token over ws:// to a remote host: INSECURE_TRANSPORT, nothing opened', async () => {
    const provider = vi.fn(() => 'secret-token');
    const h = harness({ url: 'ws://example.com/mqtt', auth: { token: provider } });
    const done = track(h.client.connect());
    await flush();
    expect(done.state).toBe('rejected');
    expect(done.error.code).toBe(ErrorCode.INSECURE_TRANSPORT);
    expect(done.error.retryable).toBe(false);
    expect(h.client.state).toBe('failed');
    expect(h.factoryCalls).toBe(0);
    expect(provider).not.toHaveBeenCalled();
  });

  it.each(['ws://localhost:8084/mqtt', 'ws://127.0.0.1:8084/mqtt', 'ws://[::1]:8084/mqtt'])('allows a token over %s', async (url) => {
    const h = harness({ url, auth: { token: 'secret-token' } });
    await h.connectNow();
    expect(h.fake.lastConnect?.password).toBe('secret-token');
  });

  it('allows a token over ws:// to a remote host with allowInsecureAuth', async () => {
    const h = harness({ url: 'ws://example.com/mqtt', allowInsecureAuth: true, auth: { token: 'secret-token' } });
    await h.connectNow();
    expect(h.fake.urls).toEqual(['ws://example.com/mqtt']);
  });

  it('allows ws:// to a remote host without a token', async () => {
    const h = harness({ url: 'ws://example.com/mqtt' });
    await h.connectNow();
    expect(h.client.state).toBe('connected');
  });

  it('puts the token in the query with placement "query" (URL-encoded, existing query kept)', async () => {
    const h = harness({ url: 'wss://broker.example.com/mqtt?v=1', auth: { token: 'a b+c', placement: 'query' } });
    await h.connectNow();
    expect(h.fake.urls).toEqual(['wss://broker.example.com/mqtt?v=1&access_token=a%20b%2Bc']);
    expect(h.fake.lastConnect?.password).toBeUndefined();
  });
});

describe('connection: URLs', () => {
  it('rotates through a URL list across attempts', async () => {
    const urls = ['wss://a.example.com/mqtt', 'wss://b.example.com/mqtt', 'wss://c.example.com/mqtt'];
    const h = harness({ url: urls });
    void h.client.connect();
    await flush();
    for (let i = 0; i < 3; i++) {
      await failAttempt(h);
      await h.clock.tick(h.states.at(-1)!.retryInMs!);
    }
    expect(h.fake.urls).toEqual([urls[0], urls[1], urls[2], urls[0]]);
  });

  it('calls a URL function before every attempt', async () => {
    let n = 0;
    const h = harness({ url: async () => `wss://node${++n}.example.com/mqtt` });
    void h.client.connect();
    await flush();
    await failAttempt(h);
    await h.clock.tick(1000);
    expect(h.fake.urls).toEqual(['wss://node1.example.com/mqtt', 'wss://node2.example.com/mqtt']);
  });

  it('fails with INVALID_OPTIONS when the URL function returns something that is not a ws(s) URL', async () => {
    const h = harness({ url: () => 'mqtt://broker.example.com' });
    const done = track(h.client.connect());
    await flush();
    expect(done.error?.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(h.client.state).toBe('failed');
  });

  it('goes to the server reference of a DISCONNECT on the next attempt, then back to the list', async () => {
    const h = harness({ url: ['wss://a.example.com:8085/mqtt', 'wss://b.example.com:8085/mqtt'] });
    await h.connectNow();
    h.fake.serverDisconnect(0x9c, { serverReference: 'other.example.com:9001' });
    await flush();
    expect(h.client.state).toBe('reconnecting');
    expect(h.states.at(-1)!.reason?.reasonCode).toBe(0x9c);
    await h.clock.tick(h.states.at(-1)!.retryInMs!);
    expect(h.fake.urls[1]).toBe('wss://other.example.com:9001/mqtt');
    await failAttempt(h);
    await h.clock.tick(h.states.at(-1)!.retryInMs!);
    expect(h.fake.urls[2]).toBe('wss://b.example.com:8085/mqtt');
  });

  it('goes to the server reference of a refused CONNACK (0x9C use another server) on the next attempt', async () => {
    const h = harness({ url: 'wss://a.example.com/mqtt', protocolVersion: 5 });
    const done = track(h.client.connect());
    await flush();
    h.fake.refuse(0x9c, { serverReference: 'c.example.com:8443' });
    await flush();
    expect(h.client.state).toBe('reconnecting');
    expect(h.states.at(-1)!.reason?.reasonCode).toBe(0x9c);
    await h.clock.tick(h.states.at(-1)!.retryInMs!);
    expect(h.fake.urls).toEqual(['wss://a.example.com/mqtt', 'wss://c.example.com:8443/mqtt']);
    expect(done.state).toBe('pending');
  });

  it('ignores a server reference the token must not go to (ws:// to another host) and keeps the configured URL', async () => {
    const h = harness({ url: 'ws://127.0.0.1:1884/mqtt', auth: { token: 't' } });
    await h.connectNow();
    h.fake.serverDisconnect(0x9d, { serverReference: 'ws://elsewhere.example.com/mqtt' });
    await flush();
    expect(h.client.state).toBe('reconnecting');
    await h.clock.tick(h.states.at(-1)!.retryInMs!);
    expect(h.fake.urls).toEqual(['ws://127.0.0.1:1884/mqtt', 'ws://127.0.0.1:1884/mqtt']);
    expect(h.client.state).toBe('connecting');
  });

  it('quotes the reason string of a server DISCONNECT in the error message', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.serverDisconnect(0x98, { reasonString: 'kicked by admin' });
    await flush();
    const reason = h.states.at(-1)!.reason!;
    expect(reason.code).toBe(ErrorCode.CONNECTION_LOST);
    expect(reason.message).toContain('"kicked by admin"');
  });

  it('takes a full ws(s) URL as a server reference as it is', async () => {
    const h = harness();
    await h.connectNow();
    h.fake.serverDisconnect(0x9d, { serverReference: 'wss://moved.example.com/mqtt' });
    await flush();
    await h.clock.tick(h.states.at(-1)!.retryInMs!);
    expect(h.fake.urls[1]).toBe('wss://moved.example.com/mqtt');
  });
});

describe('connection: browser signals', () => {
  it('goes offline when the browser does and makes no attempt until it is back online', async () => {
    const h = harness();
    await h.connectNow();
    h.signals.emit('offline');
    await flush();
    expect(h.client.state).toBe('offline');
    await h.clock.tick(120_000);
    expect(h.fake.connects).toHaveLength(1);
    h.signals.emit('online');
    await flush();
    expect(h.client.state).toBe('connecting');
    expect(h.fake.connects).toHaveLength(2);
  });

  it('cancels a scheduled retry when the browser goes offline while reconnecting', async () => {
    const h = harness();
    void h.client.connect();
    await flush();
    await failAttempt(h);
    expect(h.client.state).toBe('reconnecting');
    h.signals.emit('offline');
    expect(h.client.state).toBe('offline');
    await h.clock.tick(60_000);
    expect(h.fake.connects).toHaveLength(1);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('stops a connecting attempt when the browser goes offline', async () => {
    const h = harness();
    void h.client.connect();
    await flush();
    const stream = h.fake.stream!;
    h.signals.emit('offline');
    expect(h.client.state).toBe('offline');
    expect(stream.destroyed).toBe(true);
    await flush();
    expect(h.client.state).toBe('offline');
  });

  it('makes no attempt when connect() is called while offline, and one as soon as it is online', async () => {
    const h = harness();
    h.signals.online = false;
    const done = track(h.client.connect());
    await flush();
    expect(h.client.state).toBe('offline');
    expect(h.factoryCalls).toBe(0);
    h.signals.emit('online');
    await flush();
    h.fake.acceptConnack();
    await flush();
    expect(done.state).toBe('resolved');
  });

  it('retries at once on visible while reconnecting', async () => {
    const h = harness();
    void h.client.connect();
    await flush();
    await failAttempt(h);
    h.signals.emit('visible');
    await flush();
    expect(h.fake.connects).toHaveLength(2);
  });

  it('sends a PINGREQ on visible while connected instead of reconnecting', async () => {
    const h = harness();
    await h.connectNow();
    h.signals.emit('visible');
    expect(h.fake.sentPackets.at(-1)).toEqual({ cmd: 'pingreq' });
    expect(h.client.state).toBe('connected');
  });

  it('listens to the browser once, however often connect() is called', async () => {
    const h = harness();
    void h.client.connect();
    void h.client.connect();
    await flush();
    expect(h.signals.listenerCount).toBe(1);
  });

  it('does not listen at all with browserEvents false', async () => {
    const h = harness({ browserEvents: false });
    await h.connectNow();
    expect(h.signals.listenCalls).toBe(0);
  });

  // With browserEvents false nothing listens for `online`, so connect() must not wait for it either.
  it('ignores the browser online flag with browserEvents false', async () => {
    const h = harness({ browserEvents: false });
    h.signals.online = false;
    void h.client.connect();
    await flush();
    expect(h.client.state).toBe('connecting');
  });
});
