/**
 * The part of a filter that topics are matched against: without the
 * `$share/<group>/` (MQTT 5 shared subscription) or `$queue/` (EMQX) prefix,
 * which only tell the broker how to spread messages among subscribers.
 * A malformed `$share/<group>` without a filter is returned unchanged.
 *
 * @example
 * ```ts
 * stripSharePrefix('$share/workers/jobs/+'); // 'jobs/+'
 * ```
 */
export function stripSharePrefix(filter: string): string {
  if (filter.startsWith('$share/')) {
    const slash = filter.indexOf('/', '$share/'.length);
    return slash < 0 ? filter : filter.slice(slash + 1);
  }
  if (filter.startsWith('$queue/')) return filter.slice('$queue/'.length);
  return filter;
}

/**
 * Whether a message on `topic` is delivered to a subscription on `filter`,
 * per MQTT: `+` matches exactly one level (which may be empty), `#` matches
 * the parent level and any number of levels below (`a/#` matches `a`), and a
 * filter starting with a wildcard does not match topics starting with `$`
 * (`#` does not see `$SYS/...`). A `$share/<group>/` prefix is ignored.
 *
 * @example
 * ```ts
 * matchTopic('sensors/+/temperature', 'sensors/kitchen/temperature'); // true
 * matchTopic('sensors/#', 'sensors'); // true
 * matchTopic('#', '$SYS/uptime'); // false
 * ```
 */
export function matchTopic(filter: string, topic: string): boolean {
  const f = stripSharePrefix(filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
