/**
 * The expected output of the seed's `node ws_example.js` (MQTT.js against TBMQ), verbatim from the document this
 * project grew from (`shared/seed/`), and a reader that turns such a transcript, or an example's, into entries.
 * Its `wss_example.js` is documented as "similar to ws_example.js", so both examples are held to this one.
 */
export const SEED_WS_EXAMPLE_OUTPUT = `Connecting client...
Packet receive... Packet {
  cmd: 'connack',
  retain: false,
  qos: 0,
  dup: false,
  length: 2,
  topic: null,
  payload: null,
  sessionPresent: false,
  returnCode: 0
}
Client connected!
Packet send... {
  cmd: 'subscribe',
  subscriptions: [ { topic: 'sensors/temperature', qos: 0 } ],
  messageId: 64109
}
Packet receive... Packet {
  cmd: 'suback',
  retain: false,
  qos: 0,
  dup: false,
  length: 3,
  topic: null,
  payload: null,
  granted: [ 0 ],
  messageId: 64109
}
Packet send... {
  cmd: 'publish',
  topic: 'sensors/temperature',
  payload: 'Hello World',
  qos: 0,
  retain: false,
  messageId: 0,
  dup: false
}
Packet receive... Packet {
  cmd: 'publish',
  retain: false,
  qos: 0,
  dup: false,
  length: 32,
  topic: 'sensors/temperature',
  payload: <Buffer 48 65 6c 6c 6f 20 57 6f 72 6c 64>
}
Received message. Payload: Hello World. Topic: sensors/temperature
Packet send... { cmd: 'disconnect' }
Closing client...
`;

/** A human-readable line, or a packet dump (`Packet send... {…}` / `Packet receive... {…}` and its continuation lines). */
export type TranscriptEntry =
  | { kind: 'line'; text: string }
  | { kind: 'packet'; direction: 'send' | 'receive'; cmd: string; dump: string; fields: Array<[string, string]> };

const PACKET_HEAD = /^Packet (send|receive)\.\.\. (.*)$/;

/**
 * Splits a transcript into entries. A dump is `util.inspect` output: its continuation lines start with
 * whitespace or a closing bracket, every other line starts an entry of its own.
 */
export function parseTranscript(text: string): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  let dump: { direction: 'send' | 'receive'; lines: string[] } | undefined;
  const flush = (): void => {
    if (!dump) return;
    const joined = dump.lines.join(' ').replace(/\s+/g, ' ').trim();
    const fields = dumpFields(joined);
    const cmd = fields.find(([key]) => key === 'cmd')?.[1].replace(/^'|'$/g, '') ?? '?';
    entries.push({ kind: 'packet', direction: dump.direction, cmd, dump: joined, fields });
    dump = undefined;
  };
  for (const line of text.split('\n')) {
    if (dump && /^[\s}\]]/.test(line)) {
      dump.lines.push(line);
      continue;
    }
    flush();
    const head = PACKET_HEAD.exec(line);
    if (head) dump = { direction: head[1] as 'send' | 'receive', lines: [head[2]!] };
    else if (line !== '') entries.push({ kind: 'line', text: line });
  }
  flush();
  return entries;
}

// A scalar, a list of scalars, or bytes, as util.inspect prints them.
const VALUE = String.raw`'(?:[^'\\]|\\.)*'|<Buffer[^>]*>|(?:Uint8Array|Buffer)\(\d+\) \[[^\]]*\]|\[[^\[\]{}]*\]|-?\d+(?:\.\d+)?|true|false|null|undefined`;
const FIELD = new RegExp(String.raw`(\w+): (${VALUE})`, 'g');

/**
 * Every `key: value` in a dump whose value is a scalar, a list of scalars or bytes, nested ones included (a
 * subscription's `topic`), in order. Bytes and byte lists become the text they hold, quoted like a string.
 */
export function dumpFields(dump: string): Array<[string, string]> {
  return [...dump.matchAll(FIELD)].map((m) => [m[1]!, normaliseBytes(m[2]!)]);
}

function normaliseBytes(value: string): string {
  const hex = /^<Buffer ([0-9a-f ]*)>$/.exec(value);
  if (hex) return quote(Buffer.from(hex[1]!.replace(/ /g, ''), 'hex').toString('utf8'));
  const list = /^(?:Uint8Array|Buffer)\(\d+\) \[([^\]]*)\]$/.exec(value);
  if (list) return quote(Buffer.from(list[1]!.split(',').map((n) => Number(n.trim())).filter((n) => !Number.isNaN(n))).toString('utf8'));
  return value;
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An entry as one comparable token: the line itself, or `send connect` / `receive connack` for a dump. */
export function entryKey(entry: TranscriptEntry): string {
  return entry.kind === 'line' ? entry.text : `${entry.direction} ${entry.cmd}`;
}
