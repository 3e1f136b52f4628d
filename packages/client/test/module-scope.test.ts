import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeFactory, flush, ManualClock } from './support/fake-mqtt';

const WATCHED = ['window', 'document', 'navigator', 'setTimeout', 'setInterval', 'addEventListener', 'Worker'] as const;

interface Access {
  name: string;
  kind: 'read' | 'call' | 'get';
  stack: string;
}

/**
 * Replaces each watched global with a getter that records every read (and a proxy that records every
 * property access or call), with the stack, so an access can be traced to the module that made it.
 */
function watchGlobals(): { accesses: Access[]; restore(): void } {
  const accesses: Access[] = [];
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const record = (name: string, kind: Access['kind']) => accesses.push({ name, kind, stack: new Error().stack ?? '' });
  for (const name of WATCHED) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    saved.set(name, descriptor);
    const original = descriptor ? (descriptor.get ? descriptor.get.call(globalThis) : descriptor.value) : undefined;
    const target = typeof original === 'function' ? original : function stub() {};
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        record(`${name}.${String(key)}`, 'get');
        return Reflect.get(t, key, receiver);
      },
      apply(t, self, args) {
        record(name, 'call');
        return Reflect.apply(t as (...a: unknown[]) => unknown, self, args);
      },
      construct(t, args) {
        record(name, 'call');
        return Reflect.construct(t as new (...a: unknown[]) => object, args);
      },
    });
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        record(name, 'read');
        return proxy;
      },
      set(value) {
        Object.defineProperty(globalThis, name, { configurable: true, writable: true, value });
      },
    });
  }
  return {
    accesses,
    restore() {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      }
      Error.stackTraceLimit = limit;
    },
  };
}

/** The stack frame of the code that made the access (the first one outside this file). */
const accessor = (a: Access): string =>
  a.stack.split('\n').slice(1).find((line) => !line.includes('module-scope.test.ts')) ?? '';

/** Accesses made directly by code in files whose path contains `fragment`. */
const from = (accesses: Access[], fragment: string) => accesses.filter((a) => accessor(a).includes(fragment));

/** What importing src/index.ts fresh touched, recorded once (a dependency is evaluated only on its first import). */
let importAccesses: Access[] = [];
let importedApi: Record<string, unknown> = {};
beforeAll(async () => {
  vi.resetModules();
  const w = watchGlobals();
  try {
    importedApi = await import('../src/index');
  } finally {
    w.restore();
  }
  importAccesses = w.accesses;
});

let watcher: ReturnType<typeof watchGlobals> | undefined;
afterEach(() => {
  watcher?.restore();
  watcher = undefined;
});

describe('nothing runs at module scope', () => {
  it('detects a module that does touch globals (the probe works)', async () => {
    vi.resetModules();
    watcher = watchGlobals();
    await import('./support/touches-globals');
    const found = from(watcher.accesses, 'test/support/touches-globals');
    watcher.restore();
    expect(found.map((a) => a.name)).toEqual(expect.arrayContaining(['window', 'setTimeout']));
  });

  it("importing src/index.ts: webmqtt's own modules read none of window, document, navigator, setTimeout, setInterval, addEventListener, Worker", () => {
    expect(typeof importedApi['createClient']).toBe('function');
    expect(from(importAccesses, '/packages/client/src/').map((a) => `${a.kind} ${a.name}`)).toEqual([]);
  });

  // Was a bug (fixed: MQTT.js is now loaded on the first connection): a static import of MQTT.js read window, navigator and
  // window.document on import, so importing @webmqtt/client is not free of global access.
  it('importing src/index.ts touches none of the watched globals, dependencies included', () => {
    // vitest's own RPC timers are not the import's doing.
    const touched = importAccesses.filter((a) => !accessor(a).includes('/node_modules/vitest/') && (accessor(a).includes('/node_modules/') || accessor(a).includes('/packages/client/src/')));
    expect(touched.map((a) => `${a.name} (${accessor(a).trim()})`)).toEqual([]);
  });

  it('importing the browser entry (dist/index.browser.mjs, with the lean MQTT.js in dist/mqtt-lean.mjs) touches none of the watched globals', async () => {
    const entry = new URL('../dist/index.browser.mjs', import.meta.url);
    // The size budget test fails without dist; this one says so instead of passing.
    expect(existsSync(entry), 'packages/client/dist is missing: run `npm run build` first').toBe(true);
    vi.resetModules();
    watcher = watchGlobals();
    const api = (await import(/* @vite-ignore */ entry.href)) as Record<string, unknown>;
    const touched = watcher.accesses.filter((a) => !accessor(a).includes('/node_modules/vitest/') && /\/(dist|node_modules)\//.test(accessor(a)));
    watcher.restore();
    expect(typeof api['createClient']).toBe('function');
    expect(touched.map((a) => `${a.name} (${accessor(a).trim()})`)).toEqual([]);
  });

  it('createClient() with browserSignals null and a fake factory never touches window, document or navigator, even through connect() and close()', async () => {
    vi.resetModules();
    const { createClient } = await import('../src/index');
    const made = fakeFactory();
    watcher = watchGlobals();
    const client = createClient({ url: 'wss://b.example.com/mqtt', browserSignals: null, mqttFactory: made.factory, clock: new ManualClock() });
    const connecting = client.connect();
    await flush();
    made.fake.acceptConnack();
    await connecting;
    await client.close();
    const found = from(watcher.accesses, '/packages/client/src/').filter((a) => /^(window|document|navigator|addEventListener)/.test(a.name));
    watcher.restore();
    expect(found.map((a) => `${a.kind} ${a.name}`)).toEqual([]);
  });

  it('createClient() alone reads no timer or browser global when everything is injected', async () => {
    vi.resetModules();
    const { createClient } = await import('../src/index');
    const made = fakeFactory();
    watcher = watchGlobals();
    createClient({ url: 'wss://b.example.com/mqtt', browserSignals: null, mqttFactory: made.factory, clock: new ManualClock(), random: () => 0.5 });
    const found = from(watcher.accesses, '/packages/client/src/');
    watcher.restore();
    expect(found.map((a) => `${a.kind} ${a.name}`)).toEqual([]);
  });
});
