import { afterEach, describe, expect, it, vi } from 'vitest';
import * as debugModule from '../../src/engine/debug';
import debug from '../../src/engine/debug';
import { asRequired } from './mqtt-packet-over-stand-ins';

describe('debug', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('returns a callable no-op: returns undefined, enabled === false, the namespace kept', () => {
    const log = debug('mqttjs:client');
    expect(typeof log).toBe('function');
    expect(log('connect :: %O', { password: 'secret' })).toBeUndefined();
    expect(log()).toBeUndefined();
    expect(log.enabled).toBe(false);
    expect(log.namespace).toBe('mqttjs:client');
  });

  it('each namespace gets its own logger', () => {
    const a = debug('mqttjs');
    const b = debug('mqtt-packet:parser');
    expect(a).not.toBe(b);
    expect([a.namespace, b.namespace]).toEqual(['mqttjs', 'mqtt-packet:parser']);
    expect(b.enabled).toBe(false);
  });

  it('never writes anything, even with localStorage.debug and DEBUG set to enable everything', () => {
    const storage = new Map<string, string>([['debug', '*']]);
    vi.stubGlobal('localStorage', {
      debug: '*',
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => storage.set(key, value),
      removeItem: (key: string) => storage.delete(key),
    });
    vi.stubEnv('DEBUG', '*');
    const spies = (['log', 'debug', 'info', 'warn', 'error', 'trace'] as const).map((method) => vi.spyOn(console, method).mockImplementation(() => {}));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    // created after the switches are on, as MQTT.js creates its loggers
    for (const namespace of ['mqttjs', 'mqttjs:client', 'mqtt-packet:parser', 'mqtt-packet:writeToStream']) {
      const log = debug(namespace);
      expect(log.enabled).toBe(false);
      log('CONNECT %O', { username: 'u', password: 'token' });
      log('url %s', 'wss://broker/mqtt?token=abc');
    }
    const calls = [...spies, stderr, stdout].reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    expect(calls).toBe(0);
  });

  it('works as mqtt-packet and MQTT.js require it: require("debug")(ns) and __importDefault(require("debug")).default(ns)', () => {
    const required = asRequired(debugModule) as typeof debug & { __esModule?: boolean };
    const importDefault = (m: { __esModule?: boolean }) => (m && m.__esModule ? m : { default: m });
    expect(required).toBe(debug);
    const fromPacket = required('mqtt-packet:parser');
    const fromClient = (importDefault(required) as { default: typeof debug }).default('mqttjs:client');
    for (const log of [fromPacket, fromClient]) {
      expect(typeof log).toBe('function');
      expect(log.enabled).toBe(false);
      expect(log('x')).toBeUndefined();
    }
  });
});
