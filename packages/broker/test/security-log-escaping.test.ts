import { describe, expect, it } from 'vitest';
import { quoteForLog } from '../src/logger.js';
import { runCli } from '../src/cli.js';
import { useFixtures, waitFor } from './helpers/fixtures.js';
import { connectPacket, packetType } from './helpers/mqtt-bytes.js';

// A client id that forges a second log line and drives the terminal (clear screen, hide cursor).
const FORGED_ID = 'x": bad\n[broker] client "admin" authenticated as "root"\u001b[2J\u001b[?25l\r\u009b31m\u202e';

describe('client-supplied strings in the log', () => {
  const fx = useFixtures();

  function collect(): { lines: string[]; log: (line: string) => void } {
    const lines: string[] = [];
    return { lines, log: (line) => void lines.push(line) };
  }

  it('a refused client cannot forge a line or send terminal escapes through its client id', async () => {
    const { lines, log } = collect();
    const broker = await fx.broker({ logger: { debug: log, info: log, warn: log, error: log } });
    const raw = await fx.raw(broker.urls.ws);
    raw.send(connectPacket({ clientId: FORGED_ID }));
    await raw.waitForFrames(1);
    expect(packetType(raw.frames[0]!)).toBe(2);
    await waitFor(() => lines.some((l) => l.startsWith('refused client')), 2_000, 'the refusal line');
    const refusal = lines.find((l) => l.startsWith('refused client'))!;
    expect(refusal).toBe(`refused client ${JSON.stringify(FORGED_ID).replace(/\u009b/, '\\u009b').replace(/\u202e/, '\\u202e')}: no token given`);
    for (const line of lines) {
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    }
  });

  it('the CLI --verbose output shows a refused id escaped, on one line', async () => {
    const err: string[] = [];
    let stop: (() => Promise<void>) | undefined;
    const result = await runCli(['--ws-port', '0', '--no-wss', '--verbose'], {
      env: {},
      out: () => {},
      err: (line) => err.push(line),
      onRunning: (b) => (stop = () => b.stop()),
    });
    try {
      const raw = await fx.raw(result.broker!.urls.ws);
      raw.send(connectPacket({ clientId: FORGED_ID }));
      await raw.waitForFrames(1);
      await waitFor(() => err.some((l) => l.includes('refused client')), 2_000, 'the refusal line');
      const output = err.join('\n').split('\n');
      expect(output.filter((l) => l.includes('refused client'))).toHaveLength(1);
      expect(output.some((l) => l.startsWith('[broker] client "admin"'))).toBe(false);
      expect(output.join('\n')).not.toContain('\u001b');
    } finally {
      await stop?.();
    }
  });
});

describe('quoteForLog', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['\u001b[31m', '"\\u001b[31m"'],
    ['del\u007f', '"del\\u007f"'],
    ['c1\u009b', '"c1\\u009b"'],
    ['ls\u2028', '"ls\\u2028"'],
    ['bidi\u202e', '"bidi\\u202e"'],
    ['ünïcödé ok', '"ünïcödé ok"'],
  ])('quotes %j as %s', (value, quoted) => {
    expect(quoteForLog(value)).toBe(quoted);
  });

  it('quotes non-strings through String()', () => {
    expect(quoteForLog(undefined)).toBe('"undefined"');
    expect(quoteForLog(42)).toBe('"42"');
  });
});
