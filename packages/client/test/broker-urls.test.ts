import { describe, expect, it } from 'vitest';
import { BrokerUrls, resolveServerReference } from '../src/connection/broker-urls';

describe('resolveServerReference', () => {
  it('keeps the scheme and path of the URL in use for a bare host:port', () => {
    expect(resolveServerReference('other.example.com:9001', 'wss://a.example.com:8085/mqtt')).toBe('wss://other.example.com:9001/mqtt');
    expect(resolveServerReference('127.0.0.1:4321', 'ws://127.0.0.1:1234/mqtt')).toBe('ws://127.0.0.1:4321/mqtt');
    expect(resolveServerReference('[::1]:4321', 'ws://127.0.0.1:1234/mqtt')).toBe('ws://[::1]:4321/mqtt');
    expect(resolveServerReference(' b.example.com ', 'wss://a.example.com:8085/ws')).toBe('wss://b.example.com/ws');
  });

  it('takes a full ws(s) URL as it is', () => {
    expect(resolveServerReference('ws://127.0.0.1:4321/other', 'ws://a.example.com/mqtt')).toBe('ws://127.0.0.1:4321/other');
    expect(resolveServerReference('wss://b.example.com/other', 'ws://127.0.0.1/mqtt')).toBe('wss://b.example.com/other');
    expect(resolveServerReference('WSS://Moved.Example.com/mqtt', 'ws://127.0.0.1/mqtt')).toBe('wss://moved.example.com/mqtt');
  });

  it('never lets a broker drop TLS: a ws:// reference while on wss:// is ignored', () => {
    expect(resolveServerReference('ws://b.example.com:80/mqtt', 'wss://a.example.com/mqtt')).toBeUndefined();
    expect(resolveServerReference('WS://127.0.0.1:4321/mqtt', 'wss://a.example.com/mqtt')).toBeUndefined();
    // A bare host keeps the scheme in use.
    expect(resolveServerReference('b.example.com', 'wss://a.example.com/mqtt')).toBe('wss://b.example.com/mqtt');
  });

  it('uses the first of several references', () => {
    expect(resolveServerReference('b.example.com:1 c.example.com:2', 'wss://a.example.com/mqtt')).toBe('wss://b.example.com:1/mqtt');
    expect(resolveServerReference('b.example.com:1,c.example.com:2', 'wss://a.example.com/mqtt')).toBe('wss://b.example.com:1/mqtt');
  });

  it('ignores a reference a browser cannot follow (another scheme, a path, no URL at all)', () => {
    expect(resolveServerReference('[::1', 'wss://a.example.com/mqtt')).toBeUndefined();
    expect(resolveServerReference('mqtt://a.example.com:1883', 'wss://a.example.com/mqtt')).toBeUndefined();
    expect(resolveServerReference('wss://[::1', 'wss://a.example.com/mqtt')).toBeUndefined();
    expect(resolveServerReference('a.example.com:1883/other', 'wss://a.example.com/mqtt')).toBeUndefined();
    expect(resolveServerReference('', 'wss://a.example.com/mqtt')).toBeUndefined();
  });
});

describe('BrokerUrls', () => {
  it('goes to a redirect once, then back to the rotation', async () => {
    const urls = new BrokerUrls(['wss://a/mqtt', 'wss://b/mqtt']);
    expect(await urls.next()).toBe('wss://a/mqtt');
    urls.redirectTo('wss://elsewhere/mqtt');
    expect(await urls.next()).toBe('wss://elsewhere/mqtt');
    expect(await urls.next()).toBe('wss://b/mqtt');
    expect(await urls.next()).toBe('wss://a/mqtt');
  });
});

describe('BrokerUrls.follow', () => {
  const opts = { auth: undefined, properties: undefined, password: 'pw', allowInsecureAuth: false };

  it('sends the next attempt, once, to the server a broker named', async () => {
    const urls = new BrokerUrls(['wss://a.example.com/mqtt', 'wss://b.example.com/mqtt']);
    expect(await urls.next()).toBe('wss://a.example.com/mqtt');
    expect(urls.follow('moved.example.com', 'wss://a.example.com/mqtt', opts)).toBe(true);
    expect(await urls.next()).toBe('wss://moved.example.com/mqtt');
    expect(await urls.next()).toBe('wss://b.example.com/mqtt');
  });

  it('refuses (false) a server the credentials must not go to, and ignores a reference it cannot follow', async () => {
    const urls = new BrokerUrls(['ws://127.0.0.1/mqtt']);
    expect(urls.follow('ws://other.example.com/mqtt', 'ws://127.0.0.1/mqtt', opts)).toBe(false);
    expect(urls.follow('mqtt://other.example.com', 'ws://127.0.0.1/mqtt', opts)).toBe(true);
    expect(await urls.next()).toBe('ws://127.0.0.1/mqtt');
  });
});
