import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import terser from '@rollup/plugin-terser';
import { rollup, type Plugin } from 'rollup';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// What a user's bundler does with dist/index.mjs (the file the "import" condition points at), and what
// importing it does. The module-scope test of src/ lives in module-scope.test.ts; this one checks dist.

const dist = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));
const distCjs = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
const built = existsSync(dist) && existsSync(distCjs);

/** Two apps: one creates a client and publishes; the other also uses request/respond/messages. */
const APPS = {
  minimal: `
    import { createClient } from 'webmqtt';
    const client = createClient({ url: 'wss://broker.example.com/mqtt' });
    client.connect().then(() => client.publish('a/b', 'hello'));
    export default client;
  `,
  full: `
    import { createClient } from 'webmqtt';
    const client = createClient({ url: 'wss://broker.example.com/mqtt' });
    client.connect().then(async () => {
      await client.respond('rpc/time', () => new Date().toISOString());
      console.log((await client.request('rpc/time', 'now')).text());
      for await (const msg of client.messages('sensors/#')) console.log(msg.topic);
    });
    export default client;
  `,
} as const;

/** Markers of the request/response and message-stream code that survive minification (string literals). */
const REQUEST_MARKERS = ['webmqtt/replies/', 'request() needs MQTT 5', 'is a responder subscribed?'];
/** Names that survive when the bundle is not minified, so their absence means the code is gone. */
const REQUEST_DECLARATIONS = [/\bclass Requests\b/, /\bfunction messageStream\b/];

interface Part {
  code: string;
  minified: number;
  gzip: number;
}
/** An app as a bundler splits it: what the page loads first (entry + static imports) and everything. */
interface Bundle {
  initial: Part;
  total: Part;
  /** The chunks loaded only through a dynamic import. */
  lazy: string[];
}

const part = (code: string): Part => ({ code, minified: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length });

async function bundle(app: keyof typeof APPS, minify: boolean): Promise<Bundle> {
  const entry: Plugin = {
    name: 'app-entry',
    resolveId: (id) => (id === 'app' ? id : id === 'webmqtt' ? dist : null),
    load: (id) => (id === 'app' ? APPS[app] : null),
  };
  const build = await rollup({ input: 'app', external: ['mqtt', 'eventemitter3'], plugins: [entry], treeshake: true, logLevel: 'silent' });
  const { output } = await build.generate({ format: 'es', plugins: minify ? [terser()] : [] });
  await build.close();
  const chunks = new Map(output.flatMap((o) => (o.type === 'chunk' ? [[o.fileName, o] as const] : [])));
  const initial = new Set<string>();
  const visit = (name: string): void => {
    if (initial.has(name) || !chunks.has(name)) return;
    initial.add(name);
    chunks.get(name)!.imports.forEach(visit);
  };
  visit([...chunks.values()].find((c) => c.isEntry)!.fileName);
  const all = [...chunks.values()];
  return {
    initial: part(all.filter((c) => initial.has(c.fileName)).map((c) => c.code).join('\n')),
    total: part(all.map((c) => c.code).join('\n')),
    lazy: all.filter((c) => !initial.has(c.fileName)).map((c) => c.code),
  };
}

describe.skipIf(!built)('tree-shaking of dist/index.mjs (rollup + terser, mqtt and eventemitter3 external)', () => {
  const sizes: Record<string, Bundle> = {};
  const plain: Record<string, Bundle> = {};

  beforeAll(async () => {
    for (const app of ['minimal', 'full'] as const) {
      sizes[app] = await bundle(app, true);
      plain[app] = await bundle(app, false);
    }
    const row = (b: Bundle) => `loads first ${b.initial.minified} B min / ${b.initial.gzip} B gz, in all ${b.total.minified} B min / ${b.total.gzip} B gz`;
    console.log(`[tree-shaking] minimal app (createClient + publish): ${row(sizes.minimal!)}`);
    console.log(`[tree-shaking] full app (+ request/respond/messages): ${row(sizes.full!)}`);
  }, 60_000);

  it('the full app contains the request/response and message-stream code (the markers are real)', () => {
    for (const marker of REQUEST_MARKERS) expect(sizes.full!.total.code).toContain(marker);
    for (const declaration of REQUEST_DECLARATIONS) expect(plain.full!.total.code).toMatch(declaration);
  });

  it('dist/index.mjs has no top-level side effect: an app importing nothing from it bundles to nothing of it', async () => {
    const entry: Plugin = {
      name: 'app-entry',
      resolveId: (id) => (id === 'app' ? id : id === 'webmqtt' ? dist : null),
      load: (id) => (id === 'app' ? `import 'webmqtt';\nexport const x = 1;` : null),
    };
    const build = await rollup({ input: 'app', external: ['mqtt', 'eventemitter3'], plugins: [entry], logLevel: 'silent' });
    const { output } = await build.generate({ format: 'es' });
    await build.close();
    // Only the external imports rollup keeps for their own possible side effects may remain.
    expect(output).toHaveLength(1);
    expect(output[0].code.replace(/import\s+['"](mqtt|eventemitter3)['"];\s*/g, '').trim()).toBe('const x = 1;\n\nexport { x };'.trim());
  });

  // request()/respond()/messages() stay methods of the client, but their code is behind a dynamic import:
  // a bundler emits it as a chunk of its own that the page fetches only when one of them is called.
  it('an app that imports only createClient does not load request/respond/messages code up front', () => {
    for (const marker of REQUEST_MARKERS) expect(sizes.minimal!.initial.code).not.toContain(marker);
    for (const declaration of REQUEST_DECLARATIONS) expect(plain.minimal!.initial.code).not.toMatch(declaration);
  });

  it('the full app loads that code up front no more than the minimal one: it comes in lazy chunks', () => {
    for (const marker of REQUEST_MARKERS) expect(sizes.full!.initial.code).not.toContain(marker);
    for (const declaration of REQUEST_DECLARATIONS) expect(plain.full!.lazy.join('\n')).toMatch(declaration);
    expect(sizes.full!.lazy.length).toBeGreaterThanOrEqual(2);
  });

  it('dist/index.mjs holds the code itself, not a facade re-exporting a core chunk (tools that look for index.mjs find it)', () => {
    const code = readFileSync(dist, 'utf8');
    expect(code).toMatch(/\bclass WebMqttClient\b/);
    expect(code).toMatch(/import\(['"]\.\/requests\.mjs['"]\)/);
    expect(code).not.toMatch(/^export\s*\{[^}]*\}\s*from/m);
  });

  it('what the minimal app loads first is smaller than everything the full one can load (measured, printed above)', () => {
    expect(sizes.minimal!.initial.gzip).toBeLessThan(sizes.full!.total.gzip);
    expect(sizes.minimal!.initial.gzip).toBeLessThan(sizes.minimal!.total.gzip);
  });
});

// --- importing dist touches no global ------------------------------------------------------------

const WATCHED = ['window', 'document', 'navigator', 'location', 'self', 'setTimeout', 'setInterval', 'queueMicrotask', 'addEventListener', 'Worker', 'WebSocket', 'crypto'] as const;

/** Replaces each watched global with a getter that records reads with the stack, so a read can be traced to a file. */
function watchGlobals(): { reads: Array<{ name: string; stack: string }>; restore(): void } {
  const reads: Array<{ name: string; stack: string }> = [];
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  for (const name of WATCHED) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    saved.set(name, descriptor);
    const value = descriptor ? (descriptor.get ? descriptor.get.call(globalThis) : descriptor.value) : undefined;
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        reads.push({ name, stack: new Error().stack ?? '' });
        return value;
      },
      set(next) {
        Object.defineProperty(globalThis, name, { configurable: true, writable: true, value: next });
      },
    });
  }
  return {
    reads,
    restore() {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      }
      Error.stackTraceLimit = limit;
    },
  };
}

const fromFile = (reads: Array<{ name: string; stack: string }>, file: string) =>
  reads.filter((r) => r.stack.split('\n').slice(2).some((line) => line.includes(file))).map((r) => r.name);

describe.skipIf(!built)('importing the built client touches no global', () => {
  let watcher: ReturnType<typeof watchGlobals> | undefined;
  afterEach(() => {
    watcher?.restore();
    watcher = undefined;
  });

  it('the probe sees a global read made by a file (control)', () => {
    watcher = watchGlobals();
    const seen = typeof (globalThis as { setTimeout?: unknown }).setTimeout;
    const found = fromFile(watcher.reads, 'tree-shaking.test.ts');
    watcher.restore();
    expect(seen).toBe('function');
    expect(found).toContain('setTimeout');
  });

  it('import of dist/index.mjs reads none of window, document, navigator, location, timers, addEventListener, Worker, WebSocket, crypto', async () => {
    vi.resetModules();
    watcher = watchGlobals();
    const api = await import(/* @vite-ignore */ `${dist}?scope=${Date.now()}`);
    // Any file of dist counts: index.mjs and the chunks it may load.
    const found = fromFile(watcher.reads, 'client/dist/');
    watcher.restore();
    expect(typeof api.createClient).toBe('function');
    expect(found).toEqual([]);
  });

  it('require of dist/index.cjs reads none of them either', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    delete require.cache[distCjs];
    watcher = watchGlobals();
    const api = require(distCjs) as { createClient: unknown };
    const found = fromFile(watcher.reads, 'client/dist/');
    watcher.restore();
    expect(typeof api.createClient).toBe('function');
    expect(found).toEqual([]);
  });
});
