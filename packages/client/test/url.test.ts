import { describe, expect, it } from 'vitest';
import { ErrorCode, WebMqttError, isWebMqttError } from '../src/core/errors';
import { isLoopbackHost, parseBrokerUrl, redactUrl, withQueryParam } from '../src/core/url';

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'app.localhost',
    'a.b.localhost',
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '127.1.2.3',
    '[::1]',
    '::1',
    '[0:0:0:0:0:0:0:1]',
    '0:0:0:0:0:0:0:1',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '',
    'example.com',
    'localhost.example.com',
    'mylocalhost',
    'notlocalhost',
    '128.0.0.1',
    '10.0.0.1',
    '0.0.0.0',
    '127.0.0',
    '127.0.0.1.2',
    '127.0.0.256',
    '127.0.0.01',
    '127.0.0.1.example.com',
    '[::2]',
    '[::]',
    '::',
    '[::ffff:10.0.0.1]',
    '[fe80::1]',
    '[::1',
    'not:an:ip:::',
  ])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('agrees with URL.hostname for typical broker URLs', () => {
    expect(isLoopbackHost(new URL('ws://localhost:8084/mqtt').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('ws://127.0.0.1:8084/mqtt').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('ws://[::1]:8084/mqtt').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('ws://broker.example.com/mqtt').hostname)).toBe(false);
  });

  it('returns false for a non-string instead of throwing', () => {
    expect(isLoopbackHost(undefined as unknown as string)).toBe(false);
  });
});

describe('parseBrokerUrl', () => {
  it.each([
    'wss://broker.example.com:8085/mqtt',
    'ws://localhost:8084/mqtt',
    'ws://127.0.0.1:8084/mqtt',
    'ws://[::1]:8084/mqtt',
    'wss://broker.example.com/mqtt',
    'wss://broker.example.com',
    'WSS://Broker.Example.com/mqtt',
    'wss://broker.example.com/mqtt?client=web&v=5',
    'wss://user:secret@broker.example.com/mqtt',
    '  wss://broker.example.com/mqtt  ',
  ])('accepts %s', (raw) => {
    const url = parseBrokerUrl(raw);
    expect(url).toBeInstanceOf(URL);
    expect(['ws:', 'wss:']).toContain((url as URL).protocol);
  });

  it('returns the parsed URL', () => {
    const url = parseBrokerUrl('wss://broker.example.com:8085/mqtt') as URL;
    expect(url.hostname).toBe('broker.example.com');
    expect(url.port).toBe('8085');
    expect(url.pathname).toBe('/mqtt');
  });

  const rejected: [string, unknown, RegExp][] = [
    ['an empty string', '', /empty.*wss:\/\/broker\.example\.com:8085\/mqtt/],
    ['whitespace only', '   ', /empty/],
    ['a non-string', 42, /must be a string/],
    ['null', null, /got null/],
    ['a host without a scheme', 'broker.example.com:8085/mqtt', /ws:\/\/ or wss:\/\//],
    ['a relative path', '/mqtt', /not a valid absolute URL \(it needs a scheme: ws:\/\/ or wss:\/\/\)/],
    ['mqtt://', 'mqtt://broker.example.com:1883', /browsers cannot open.*WebSocket.*ws:\/\/ or wss:\/\//],
    ['mqtts://', 'mqtts://broker.example.com:8883', /mqtts:\/\/.*WebSocket/],
    ['tcp://', 'tcp://broker.example.com:1883', /tcp:\/\/.*WebSocket/],
    ['ssl://', 'ssl://broker.example.com:8883', /WebSocket/],
    ['http://', 'http://broker.example.com/mqtt', /use ws:\/\/ instead/],
    ['https://', 'https://broker.example.com/mqtt', /use wss:\/\/ instead/],
    ['ftp://', 'ftp://broker.example.com/', /ftp:\/\/; use ws:\/\/ or wss:\/\//],
    ['a port out of range', 'wss://broker.example.com:70000/mqtt', /port 70000 is out of range/],
    ['a non-numeric port', 'wss://broker.example.com:abc/mqtt', /not a valid absolute URL/],
    ['port 0', 'wss://broker.example.com:0/mqtt', /port 0/],
    ['a fragment', 'wss://broker.example.com/mqtt#x', /#fragment/],
    ['an empty fragment', 'wss://broker.example.com/mqtt#', /#fragment/],
    ['a missing host', 'ws://:8084/mqtt', /not a valid absolute URL|no host/],
  ];
  it.each(rejected)('rejects %s with INVALID_OPTIONS on field url', (_name, raw, message) => {
    const result = parseBrokerUrl(raw as string);
    expect(result).toBeInstanceOf(WebMqttError);
    const error = result as WebMqttError;
    expect(isWebMqttError(error)).toBe(true);
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(error.field).toBe('url');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(message);
  });

  it('never puts credentials from the URL into the message', () => {
    const cases = [
      'mqtt://user:hunter2@broker.example.com?access_token=s3cr3t',
      'https://user:hunter2@broker.example.com/mqtt?token=s3cr3t',
      'wss://user:hunter2@broker.example.com/mqtt?jwt=s3cr3t#frag',
      'nonsense user:hunter2@broker ?token=s3cr3t',
      'ws://user:hunter2@broker.example.com:99999/?token=s3cr3t',
    ];
    for (const raw of cases) {
      const error = parseBrokerUrl(raw) as WebMqttError;
      expect(error).toBeInstanceOf(WebMqttError);
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('s3cr3t');
    }
  });
});

describe('withQueryParam', () => {
  it.each([
    ['wss://b.example/mqtt', 'access_token', 'abc', 'wss://b.example/mqtt?access_token=abc'],
    ['wss://b.example/mqtt?v=1', 'access_token', 'abc', 'wss://b.example/mqtt?v=1&access_token=abc'],
    ['wss://b.example/mqtt?v=1#frag', 'access_token', 'abc', 'wss://b.example/mqtt?v=1&access_token=abc#frag'],
    ['wss://b.example/mqtt#frag', 't', 'x', 'wss://b.example/mqtt?t=x#frag'],
    ['wss://b.example/mqtt?', 't', 'x', 'wss://b.example/mqtt?t=x'],
    ['wss://b.example/mqtt?a=1&&b=2', 't', 'x', 'wss://b.example/mqtt?a=1&b=2&t=x'],
    ['wss://b.example/mqtt?access_token=old&v=1', 'access_token', 'new', 'wss://b.example/mqtt?access_token=new&v=1'],
    ['wss://b.example/mqtt?v=1&t=old&w=2&t=older', 't', 'new', 'wss://b.example/mqtt?v=1&t=new&w=2'],
    ['wss://b.example/mqtt?t', 't', 'new', 'wss://b.example/mqtt?t=new'],
    ['wss://b.example/mqtt?tok=1', 't', 'x', 'wss://b.example/mqtt?tok=1&t=x'],
    ['wss://b.example/mqtt?my%20key=1', 'my key', 'x', 'wss://b.example/mqtt?my%20key=x'],
    ['wss://b.example/mqtt?my+key=1', 'my key', 'x', 'wss://b.example/mqtt?my%20key=x'],
    ['/mqtt', 't', 'x', '/mqtt?t=x'],
  ])('%s + %s=%s -> %s', (url, name, value, expected) => {
    expect(withQueryParam(url, name, value)).toBe(expected);
  });

  it('percent-encodes values that carry URL syntax', () => {
    const url = withQueryParam('wss://b.example/mqtt?v=1', 'access_token', 'a+b/c=d&e?f#g h');
    expect(url).toBe('wss://b.example/mqtt?v=1&access_token=a%2Bb%2Fc%3Dd%26e%3Ff%23g%20h');
    expect(new URL(url).searchParams.get('access_token')).toBe('a+b/c=d&e?f#g h');
    expect(new URL(url).searchParams.get('v')).toBe('1');
  });

  it('keeps the existing query byte for byte (no re-encoding)', () => {
    const url = withQueryParam('wss://b.example/mqtt?q=a%20b&r=~x&s=%7E', 't', 'x');
    expect(url).toBe('wss://b.example/mqtt?q=a%20b&r=~x&s=%7E&t=x');
  });

  it('round-trips a JWT through URL parsing', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.abc-_def';
    expect(new URL(withQueryParam('wss://b.example/mqtt', 'access_token', jwt)).searchParams.get('access_token')).toBe(jwt);
  });

  it('tolerates malformed percent-encoding in other parameters', () => {
    expect(withQueryParam('wss://b.example/?bad=%E0%A4%A&%zz=1', 't', 'x')).toBe('wss://b.example/?bad=%E0%A4%A&%zz=1&t=x');
  });
});

describe('redactUrl', () => {
  it.each([
    ['wss://b.example/mqtt?access_token=eyJabc&v=1', 'wss://b.example/mqtt?access_token=REDACTED&v=1'],
    ['wss://b.example/mqtt?token=t&password=p&auth=a&jwt=j&key=k&signature=s', 'wss://b.example/mqtt?token=REDACTED&password=REDACTED&auth=REDACTED&jwt=REDACTED&key=REDACTED&signature=REDACTED'],
    ['wss://b.example/mqtt?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F&X-Amz-Date=2024', 'wss://b.example/mqtt?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Date=REDACTED'],
    ['wss://b.example/mqtt?ACCESS_TOKEN=x', 'wss://b.example/mqtt?ACCESS_TOKEN=REDACTED'],
    ['wss://b.example/mqtt?session_token=x&client_secret=y&db-password=z', 'wss://b.example/mqtt?session_token=REDACTED&client_secret=REDACTED&db-password=REDACTED'],
    ['wss://b.example/mqtt?access%5Ftoken=x', 'wss://b.example/mqtt?access%5Ftoken=REDACTED'],
    ['wss://user:pass@b.example/mqtt', 'wss://REDACTED@b.example/mqtt'],
    ['wss://user@b.example/mqtt', 'wss://REDACTED@b.example/mqtt'],
    ['wss://us@er:p@ss@b.example:8085/mqtt?v=1', 'wss://REDACTED@b.example:8085/mqtt?v=1'],
    ['wss://b.example/mqtt?v=1&client=web', 'wss://b.example/mqtt?v=1&client=web'],
    ['wss://b.example/mqtt?tokenizer=x&keyboard=y&monkey=z', 'wss://b.example/mqtt?tokenizer=x&keyboard=y&monkey=z'],
    ['wss://b.example/mqtt?token', 'wss://b.example/mqtt?token'],
    ['wss://b.example/mqtt?token=', 'wss://b.example/mqtt?token=REDACTED'],
    ['wss://b.example/a@b?v=1', 'wss://b.example/a@b?v=1'],
    ['wss://b.example/mqtt#access_token=abc&state=1', 'wss://b.example/mqtt#access_token=REDACTED&state=1'],
    ['wss://b.example/mqtt#section', 'wss://b.example/mqtt#section'],
    ['wss://b.example/mqtt', 'wss://b.example/mqtt'],
    ['not a url?token=abc', 'not a url?token=REDACTED'],
    ['', ''],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('also redacts the parameter names passed in extra, case-insensitively', () => {
    expect(redactUrl('wss://b.example/mqtt?mqtt_cred=abc&v=1', ['MQTT_CRED'])).toBe(
      'wss://b.example/mqtt?mqtt_cred=REDACTED&v=1',
    );
    expect(redactUrl('wss://b.example/mqtt?mqtt_cred=abc')).toBe('wss://b.example/mqtt?mqtt_cred=abc');
  });

  it('redacts every occurrence of a repeated credential parameter', () => {
    expect(redactUrl('wss://b.example/?token=a&token=b')).toBe('wss://b.example/?token=REDACTED&token=REDACTED');
  });

  it('redacts a token added by withQueryParam under a custom name', () => {
    const url = withQueryParam('wss://b.example/mqtt', 'bearer', 'eyJsecret');
    expect(redactUrl(url, ['bearer'])).not.toContain('eyJsecret');
  });

  it('keeps the result a parseable URL with the same host and path', () => {
    const redacted = redactUrl('wss://u:p@b.example:8085/mqtt?access_token=x&v=1');
    const url = new URL(redacted);
    expect(url.host).toBe('b.example:8085');
    expect(url.pathname).toBe('/mqtt');
    expect(url.searchParams.get('v')).toBe('1');
  });
});
