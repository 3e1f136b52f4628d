import { describe, expect, it } from 'vitest';
import { ErrorCode, isWebMqttError } from '../src/core/errors';
import { MAX_TOPIC_BYTES, utf8Length, validateTopicFilter, validateTopicName } from '../src/messaging/topic';

const LONE_HIGH = '\uD83D';
const LONE_LOW = '\uDE00';
const EMOJI = '\uD83D\uDE00'; // 😀, 4 bytes in UTF-8

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    [EMOJI, 4],
    [`a${EMOJI}b`, 6],
    [LONE_HIGH, 3],
    [LONE_LOW, 3],
    [`${LONE_LOW}${LONE_HIGH}`, 6], // reversed pair is two lone surrogates
    ['\u07FF', 2],
    ['\u0800', 3],
    ['\uFFFF', 3],
  ])('%j is %i bytes', (s, n) => {
    expect(utf8Length(s)).toBe(n);
  });

  it('agrees with TextEncoder on a mixed string', () => {
    const s = `sensors/température/${EMOJI}/温度/${LONE_HIGH}x`;
    expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
  });
});

describe('validateTopicName', () => {
  const valid: string[] = [
    'a',
    'sensors/temperature',
    'sensors/kitchen/temperature',
    '/',
    '/leading',
    'trailing/',
    'a//b',
    '//',
    ' ',
    'with space/level',
    '$SYS/broker/uptime',
    '$share/group/topic', // a legal (if odd) topic name; only filters give $share a meaning
    'température/€',
    `emoji/${EMOJI}`,
    '温度/センサー',
    'a'.repeat(MAX_TOPIC_BYTES),
    'é'.repeat(MAX_TOPIC_BYTES / 2 - 0.5) + 'a', // 65535 bytes exactly
    'dot.separated.topic',
    'a-b_c~d',
  ];
  it.each(valid)('accepts %j', (topic) => {
    expect(validateTopicName(topic)).toBeUndefined();
  });

  const invalid: [string, unknown, RegExp][] = [
    ['an empty string', '', /empty/],
    ['undefined', undefined, /must be a string, got undefined/],
    ['null', null, /must be a string, got null/],
    ['a number', 42, /must be a string, got 42/],
    ['an object', { topic: 'a' }, /got an object/],
    ['an array', ['a'], /got an array/],
    ['a single-level wildcard', 'sensors/+/temperature', /wildcard.*subscribe\(\)/],
    ['a multi-level wildcard', 'sensors/#', /wildcard/],
    ['a lone +', '+', /wildcard/],
    ['a lone #', '#', /wildcard/],
    ['+ inside a level', 'a+b', /wildcard/],
    ['# inside a level', 'issue#42', /wildcard/],
    ['a NUL character', 'a\u0000b', /NUL/],
    ['a lone high surrogate', `a/${LONE_HIGH}`, /unpaired UTF-16 surrogate at index 2/],
    ['a lone low surrogate', `${LONE_LOW}/a`, /unpaired UTF-16 surrogate at index 0/],
    ['a reversed surrogate pair', `${LONE_LOW}${LONE_HIGH}`, /unpaired/],
    ['more than 65535 bytes of ASCII', 'a'.repeat(MAX_TOPIC_BYTES + 1), /65536 bytes.*65535/],
    ['more than 65535 bytes because of multibyte characters', '€'.repeat(21_846), /65538 bytes/],
  ];
  it.each(invalid)('rejects %s', (_name, topic, message) => {
    const error = validateTopicName(topic);
    expect(isWebMqttError(error)).toBe(true);
    expect(error?.code).toBe(ErrorCode.INVALID_TOPIC);
    expect(error?.field).toBe('topic');
    expect(error?.retryable).toBe(false);
    expect(error?.message).toMatch(message);
  });

  it('quotes the topic in the message', () => {
    expect(validateTopicName('a/+/b')?.message).toContain('"a/+/b"');
  });

  it('says what to do, not only what is wrong', () => {
    expect(validateTopicName('a/#')?.message).toMatch(/Publish to a concrete topic/);
    expect(validateTopicName('')?.message).toMatch(/e\.g\./);
  });

  it('truncates long topics in the message to about 100 characters', () => {
    const topic = `${'x'.repeat(5_000)}/#`;
    const message = validateTopicName(topic)!.message;
    expect(message).toContain(`"${'x'.repeat(100)}"…`);
    expect(message).toContain('(5002 characters)');
    expect(message.length).toBeLessThan(400);
  });

  it('does not split a surrogate pair when truncating', () => {
    const topic = `${'x'.repeat(99)}${EMOJI}${'y'.repeat(50)}#`;
    const message = validateTopicName(topic)!.message;
    expect(message).toContain(`"${'x'.repeat(99)}"…`);
    expect(message).not.toMatch(/\\ud83d/i);
  });

  it('shows a NUL as an escape instead of a raw control character', () => {
    const message = validateTopicName('a\u0000b')!.message;
    expect(message).toContain('"a\\u0000b"');
    expect(message).not.toContain('\u0000');
  });
});

describe('validateTopicFilter', () => {
  const valid: string[] = [
    'a',
    'sensors/temperature',
    '#',
    '+',
    '+/+',
    '/+',
    '+/',
    'sensors/#',
    'sensors/+/temperature',
    'sensors/+/+/#',
    '+/#',
    '/#',
    'a//b',
    '//',
    '/',
    '$SYS/#',
    '$SYS/+/uptime',
    '$share/group/topic',
    '$share/group/#',
    '$share/group/+/x/#',
    '$share/g/$SYS/#',
    '$share/group//a', // the filter after the group is '/a'
    '$queue/jobs/#',
    '$sharex/a', // not a shared subscription, just a topic level
    'température/+',
    `${EMOJI}/#`,
    'a'.repeat(MAX_TOPIC_BYTES),
  ];
  it.each(valid)('accepts %j', (filter) => {
    expect(validateTopicFilter(filter)).toBeUndefined();
  });

  const invalid: [string, unknown, RegExp][] = [
    ['an empty string', '', /empty/],
    ['undefined', undefined, /must be a string/],
    ['a number', 1, /must be a string, got 1\b/],
    ['# not last', 'sensors/#/temperature', /before the last level/],
    ['# followed by an empty level', '#/', /before the last level/],
    ['two #', '#/#', /before the last level/],
    ['# inside a level', 'sensors#', /'#' inside the level "sensors#"/],
    ['# at the end of a level', 'sensors/temp#', /inside the level/],
    ['+ inside a level', 'sensors/temp+/x', /'\+' inside the level "temp\+"/],
    ['+ at the start of a level', 'sensors/+temp', /must fill a whole level/],
    ['++', '++', /whole level/],
    ['+#', '+#', /inside the level/],
    ['a NUL', 'a/\u0000', /NUL/],
    ['a lone surrogate', `a/${LONE_HIGH}/#`, /unpaired/],
    ['too many bytes', `${'a'.repeat(MAX_TOPIC_BYTES)}/#`, /65537 bytes/],
    ['$share alone', '$share', /no group name/],
    ['$share/ without group', '$share/', /no group name/],
    ['$share with an empty group', '$share//topic', /no group name/],
    ['$share without a filter', '$share/group', /no topic filter after the group/],
    ['$share with an empty filter', '$share/group/', /no topic filter after the group/],
    ['$share with + in the group', '$share/gr+oup/topic', /wildcard in its group name/],
    ['$share with # as the group', '$share/#/topic', /wildcard in its group name/],
    ['$share with + as the group', '$share/+/topic', /wildcard in its group name/],
    ['$share with a bad inner filter', '$share/group/a/#/b', /"\$share\/group\/a\/#\/b".*before the last level/],
    ['$share with + inside a level', '$share/group/a+', /whole level/],
  ];
  it.each(invalid)('rejects %s', (_name, filter, message) => {
    const error = validateTopicFilter(filter);
    expect(isWebMqttError(error)).toBe(true);
    expect(error?.code).toBe(ErrorCode.INVALID_TOPIC);
    expect(error?.field).toBe('topic');
    expect(error?.message).toMatch(message);
  });

  it('names the expected shape of a shared subscription', () => {
    expect(validateTopicFilter('$share/group')?.message).toContain('$share/<group>/<filter>');
  });

  it('truncates long filters in the message', () => {
    const message = validateTopicFilter(`${'y'.repeat(1_000)}/#/x`)!.message;
    expect(message).toContain('(1004 characters)');
    expect(message.length).toBeLessThan(400);
  });
});
