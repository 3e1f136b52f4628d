import { existsSync } from 'node:fs';
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

interface Bundle {
  code: string;
  minified: number;
  gzip: number;
}

async function bundle(app: keyof typeof APPS, minify: boolean): Promise<Bundle> {
  const entry: Plugin = {
    name: 'app-entry',
    resolveId: (id) => (id === 'app' ? id : id === 'webmqtt' ? dist : null),
    load: (id) => (id === 'app' ? APPS[app] : null),
  };
  const build = await rollup({ input: 'app', external: ['mqtt', 'eventemitter3'], plugins: [entry], treeshake: true, logLevel: 'silent' });
  const { output } = await build.generate({ format: 'es', plugins: minify ? [terser()] : [] });
  await build.close();
  const code = output[0].code;
  return { code, minified: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
}

describe.skipIf(!built)('tree-shaking of dist/index.mjs (rollup + terser, mqtt and eventemitter3 external)', () => {
  const sizes: Record<string, Bundle> = {};
  const plain: Record<string, Bundle> = {};

  beforeAll(async () => {
    for (const app of ['minimal', 'full'] as const) {
      sizes[app] = await bundle(app, true);
      plain[app] = await bundle(app, false);
    }
    const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
    console.log(
      `[tree-shaking] minimal app (createClient + publish): ${kb(sizes.minimal!.minified)} min, ${kb(sizes.minimal!.gzip)} gz; ` +
        `full app (+ request/respond/messages): ${kb(sizes.full!.minified)} min, ${kb(sizes.full!.gzip)} gz`,
    );
  }, 60_000);

  it('the full app contains the request/response and message-stream code (the markers are real)', () => {
    for (const marker of REQUEST_MARKERS) expect(sizes.full!.code).toContain(marker);
    for (const declaration of REQUEST_DECLARATIONS) expect(plain.full!.code).toMatch(declaration);
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
    expect(output[0].code.replace(/import\s+['"](mqtt|eventemitter3)['"];\s*/g, '').trim()).toBe('const x = 1;\n\nexport { x };'.trim());
  });

  // BUG: request()/respond()/messages() are methods of WebMqttClient and its constructor always does
  // `new Requests(this)`, so every app that calls createClient() ships requests.ts and message-stream.ts.
  // Fix: make them standalone functions over the client (e.g. `request(client, topic, payload)`), or create
  // the Requests helper lazily through a function the method imports; the test then passes.
  it.fails('an app that imports only createClient does not pull in request/respond/messages code', () => {
    for (const marker of REQUEST_MARKERS) expect(sizes.minimal!.code).not.toContain(marker);
    for (const declaration of REQUEST_DECLARATIONS) expect(plain.minimal!.code).not.toMatch(declaration);
  });

  it('the minimal app is smaller than the full one (measured, printed above)', () => {
    expect(sizes.minimal!.gzip).toBeLessThanOrEqual(sizes.full!.gzip);
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
    const found = fromFile(watcher.reads, 'client/dist/index.mjs');
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
    const found = fromFile(watcher.reads, 'client/dist/index.cjs');
    watcher.restore();
    expect(typeof api.createClient).toBe('function');
    expect(found).toEqual([]);
  });
});
