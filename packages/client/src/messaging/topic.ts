import { ErrorCode, WebMqttError, describeValue } from '../core/errors';

/** MQTT strings carry a two-byte length prefix, so a topic is at most this many UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 65_535;

/** Topics quoted in error messages are cut to about this many characters. */
const QUOTE_LIMIT = 100;

/**
 * Number of bytes `s` takes in UTF-8, as it goes on the wire. A lone
 * surrogate counts 3 bytes, as `TextEncoder` would encode it (U+FFFD).
 */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Index of the first UTF-16 surrogate without its partner, or -1. */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      if (isLowSurrogate(s.charCodeAt(i + 1))) i++;
      else return i;
    } else if (isLowSurrogate(c)) return i;
  }
  return -1;
}

/**
 * The topic as it should appear in a message: JSON-quoted (so NUL and lone
 * surrogates show as escapes) and cut short, because a 60 KB topic would bury
 * the actual explanation.
 */
function quote(topic: string): string {
  if (topic.length <= QUOTE_LIMIT) return JSON.stringify(topic);
  let end = QUOTE_LIMIT;
  // Do not split a surrogate pair at the cut.
  if (isLowSurrogate(topic.charCodeAt(end))) end--;
  return `${JSON.stringify(topic.slice(0, end))}… (${topic.length} characters)`;
}

function invalid(message: string): WebMqttError {
  return new WebMqttError(ErrorCode.INVALID_TOPIC, message, { field: 'topic' });
}

/** Checks shared by topic names and filters: type, emptiness, NUL, encoding, size. */
function checkCommon(value: unknown, kind: 'topic' | 'topic filter'): WebMqttError | string {
  if (typeof value !== 'string') {
    return invalid(`The ${kind} must be a string, got ${describeValue(value)}; pass a string such as "sensors/kitchen/temperature".`);
  }
  if (value.length === 0) {
    return invalid(`The ${kind} is empty; MQTT needs at least one character, e.g. "sensors/kitchen/temperature".`);
  }
  if (value.includes('\u0000')) {
    return invalid(`The ${kind} ${quote(value)} contains a NUL character (U+0000), which MQTT forbids; remove it.`);
  }
  const lone = loneSurrogateAt(value);
  if (lone >= 0) {
    return invalid(
      `The ${kind} ${quote(value)} contains an unpaired UTF-16 surrogate at index ${lone}, which is not valid UTF-8; ` +
        'check how the string was built (e.g. a string cut in the middle of an emoji).',
    );
  }
  const bytes = utf8Length(value);
  if (bytes > MAX_TOPIC_BYTES) {
    return invalid(
      `The ${kind} ${quote(value)} is ${bytes} bytes in UTF-8, more than the MQTT limit of ${MAX_TOPIC_BYTES}; use a shorter ${kind}.`,
    );
  }
  return value;
}

/**
 * Checks a topic name for `publish()` against the MQTT 3.1.1 / 5 rules:
 * a non-empty string without wildcards (`+`, `#`) or NUL, valid UTF-16
 * (no lone surrogates), at most 65,535 bytes in UTF-8.
 *
 * Returns `undefined` when the topic is fine, otherwise a `WebMqttError` with
 * code `INVALID_TOPIC` and field `'topic'` whose message says what to change.
 *
 * @example
 * ```ts
 * const error = validateTopicName(topic);
 * if (error) return Promise.reject(error);
 * ```
 */
export function validateTopicName(topic: unknown): WebMqttError | undefined {
  const checked = checkCommon(topic, 'topic');
  if (typeof checked !== 'string') return checked;
  if (checked.includes('+') || checked.includes('#')) {
    return invalid(
      `The topic ${quote(checked)} contains a wildcard ('+' or '#'); wildcards are only for subscribe(). ` +
        'Publish to a concrete topic such as "sensors/kitchen/temperature".',
    );
  }
  return undefined;
}

/**
 * Checks a topic filter for `subscribe()` against the MQTT 3.1.1 / 5 rules:
 * `+` only as a whole level, `#` only as the whole last level, non-empty, no
 * NUL, valid UTF-16, at most 65,535 bytes in UTF-8. A shared subscription
 * `$share/<group>/<filter>` needs a non-empty group without `/`, `+`, `#`, and a
 * valid filter after it.
 *
 * Returns `undefined` when the filter is fine, otherwise a `WebMqttError` with
 * code `INVALID_TOPIC` and field `'topic'`.
 *
 * @example
 * ```ts
 * validateTopicFilter('sensors/+/temperature'); // undefined
 * validateTopicFilter('sensors/#/temperature')?.message; // explains that '#' must be last
 * ```
 */
export function validateTopicFilter(filter: unknown): WebMqttError | undefined {
  const checked = checkCommon(filter, 'topic filter');
  if (typeof checked !== 'string') return checked;
  if (checked === '$share' || checked.startsWith('$share/')) return validateShared(checked);
  return validateLevels(checked, checked);
}

function validateShared(filter: string): WebMqttError | undefined {
  const example = 'e.g. "$share/workers/jobs/+"';
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  const group = slash < 0 ? rest : rest.slice(0, slash);
  if (group.length === 0) {
    return invalid(`The shared subscription ${quote(filter)} has no group name; use "$share/<group>/<filter>", ${example}.`);
  }
  if (group.includes('+') || group.includes('#')) {
    return invalid(
      `The shared subscription ${quote(filter)} has a wildcard in its group name ${quote(group)}; ` +
        `group names cannot contain '+' or '#', ${example}.`,
    );
  }
  const inner = slash < 0 ? '' : rest.slice(slash + 1);
  if (inner.length === 0) {
    return invalid(
      `The shared subscription ${quote(filter)} has no topic filter after the group; use "$share/<group>/<filter>", ${example}.`,
    );
  }
  return validateLevels(inner, filter);
}

/** Wildcard placement: `+` fills a whole level, `#` fills the whole last level. */
function validateLevels(filter: string, original: string): WebMqttError | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && level !== '#') {
      return invalid(
        `The topic filter ${quote(original)} has '#' inside the level ${quote(level)}; '#' must be a whole level ` +
          'and the last one, e.g. "sensors/#".',
      );
    }
    if (level === '#' && i !== levels.length - 1) {
      return invalid(
        `The topic filter ${quote(original)} has '#' before the last level; '#' matches everything below, so it ` +
          'must come last, e.g. "sensors/#". Use \'+\' to match a single level.',
      );
    }
    if (level.includes('+') && level !== '+') {
      return invalid(
        `The topic filter ${quote(original)} has '+' inside the level ${quote(level)}; '+' must fill a whole level, ` +
          'e.g. "sensors/+/temperature".',
      );
    }
  }
  return undefined;
}
