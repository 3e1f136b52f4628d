import type { Page } from '@playwright/test';

/**
 * Secret scanning for the whole e2e suite: everything a page shows a developer (console lines, page
 * errors, the payload of every SDK event, the URLs of HTTP requests) is captured and searched for
 * tokens and passwords. Wired into e2e/support/fixtures.ts as an automatic fixture (see
 * docs/package-checks.md, "Secret scan"); the functions here carry no Playwright fixture state so
 * a spec can also use them directly.
 *
 * Not scanned, on purpose: WebSocket frames and the WebSocket URL, because the token must travel
 * there (CONNECT password/username, or the query string with placement 'query').
 */

/** One captured piece of text and where it came from. */
export interface Captured {
  source: 'console' | 'pageerror' | 'event' | 'request' | 'requestfailed';
  text: string;
}

/** A secret found in a captured text. */
export interface Leak {
  source: Captured['source'];
  /** Which secret, shown masked (first 6 characters) so the report does not leak it again. */
  secret: string;
  /** The captured text around the hit, with the secret masked. */
  excerpt: string;
}

/** Anything shaped like a JWT (header.payload.signature, base64url): a leak whichever token it is. */
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{16,}/g;

const mask = (secret: string): string => `${secret.slice(0, 6)}…(${secret.length} chars)`;

/**
 * The needles to look for in one secret: the whole string, its URL-encoded form, and for a JWT its
 * signature alone (a truncated token that keeps the signature is still a leak; a header alone is not).
 * Strings under 6 characters are ignored: they would match by chance.
 */
export function needles(secret: string): string[] {
  if (secret.length < 6) return [];
  const out = new Set([secret, encodeURIComponent(secret)]);
  const parts = secret.split('.');
  const signature = parts.length === 3 ? parts[2] : undefined;
  if (signature && signature.length >= 16) out.add(signature);
  return [...out];
}

/** Searches every captured text for the given secrets and for anything that looks like a JWT. */
export function findLeaks(captured: readonly Captured[], secrets: Iterable<string>): Leak[] {
  const list = [...new Set(secrets)].filter((s) => s.length >= 6);
  const leaks: Leak[] = [];
  for (const entry of captured) {
    const hits = new Map<string, number>();
    for (const secret of list) {
      for (const needle of needles(secret)) {
        const at = entry.text.indexOf(needle);
        if (at >= 0 && !hits.has(secret)) hits.set(secret, at);
      }
    }
    for (const match of entry.text.matchAll(JWT)) {
      if (![...hits.keys()].some((s) => match[0].includes(s) || s.includes(match[0]))) hits.set(match[0], match.index ?? 0);
    }
    for (const [secret, at] of hits) {
      let excerpt = entry.text.slice(Math.max(0, at - 60), at + secret.length + 60);
      for (const s of [...list, secret]) for (const n of needles(s)) excerpt = excerpt.split(n).join('«secret»');
      leaks.push({ source: entry.source, secret: mask(secret), excerpt });
    }
  }
  return leaks;
}

/**
 * Installed in the page before any script runs: wraps `WebMqtt.createClient` (whether a UMD script
 * or an ESM module assigns `window.WebMqtt`) so every event of every client, `packet` included, is
 * serialised and handed to `report`. Errors keep name, code, message, stack and cause.
 */
function installEventTap(bindingName: string): void {
  const w = window as unknown as Record<string, unknown>;
  // What a developer debugging MQTT.js would turn on: a `debug` module in the page would now log to the console,
  // which is scanned. (The browser artefacts carry none; this proves it stays so.)
  try {
    localStorage.setItem('debug', '*');
  } catch {
    // Storage may be unavailable (opaque origins): nothing to turn on then.
  }
  // Read at call time: the binding may be installed after this script.
  const send = (json: string): Promise<void> => {
    const binding = w[bindingName] as ((json: string) => Promise<void>) | undefined;
    return typeof binding === 'function' ? binding(json) : Promise.resolve();
  };
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const replacer = (_key: string, value: unknown): unknown => {
    if (value instanceof Uint8Array) return decoder.decode(value);
    if (value instanceof ArrayBuffer) return decoder.decode(new Uint8Array(value));
    if (value instanceof Error) {
      const e = value as Error & { code?: unknown; cause?: unknown };
      return { name: e.name, code: e.code, message: e.message, stack: e.stack, cause: e.cause };
    }
    if (typeof value === 'bigint') return String(value);
    if (typeof value === 'function') return undefined;
    return value;
  };
  const serialise = (event: string, payload: unknown): string => {
    const seen = new WeakSet<object>();
    try {
      return JSON.stringify({ event, payload }, (key, value) => {
        const v = replacer(key, value);
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      });
    } catch (error) {
      return `${event}: <unserialisable: ${String(error)}>`;
    }
  };
  const tapped = new WeakMap<object, object>();
  const wrap = (api: unknown): unknown => {
    if (typeof api !== 'object' || api === null) return api;
    const cached = tapped.get(api);
    if (cached) return cached;
    const proxy = new Proxy(api, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key !== 'createClient' || typeof value !== 'function') return value;
        return function createClient(this: unknown, ...args: unknown[]) {
          const client = (value as (...a: unknown[]) => { on(event: string, fn: (p: unknown) => void): unknown }).apply(this, args);
          for (const event of ['state', 'connect', 'message', 'error', 'queue', 'packet']) {
            client.on(event, (payload) => void send(serialise(event, payload)).catch(() => {}));
          }
          // The client itself, as an inspector or a serializer reaches it: before connecting (options, token
          // provider results) and at its first connection (MQTT.js's client, the URL of the attempt).
          const inspect = (when: string): void => {
            console.log(client);
            let json: string;
            try {
              json = JSON.stringify(client) ?? 'undefined';
            } catch (error) {
              json = `<JSON.stringify threw: ${String(error)}>`;
            }
            void send(JSON.stringify({ event: `client ${when}: JSON.stringify`, payload: json })).catch(() => {});
            void send(serialise(`client ${when}: every enumerable property`, client)).catch(() => {});
          };
          inspect('created');
          let first = true;
          client.on('connect', () => {
            if (!first) return;
            first = false;
            inspect('connected');
          });
          return client;
        };
      },
    });
    tapped.set(api, proxy);
    return proxy;
  };
  let current: unknown;
  Object.defineProperty(window, 'WebMqtt', {
    configurable: true,
    enumerable: true,
    get: () => wrap(current),
    set: (value: unknown) => {
      current = value;
    },
  });
}

/** What {@link captureSecretSurfaces} returns to the fixture. */
export interface SecretCapture {
  readonly captured: Captured[];
  /** Adds a secret to look for (a password, a forged token a spec made up, …). */
  addSecret(secret: string): void;
  /** Waits for pending console argument reads, then returns the leaks of the given secrets plus every added one. */
  leaks(secrets?: Iterable<string>): Promise<Leak[]>;
}

let bindingCounter = 0;

/** JSON of a value that may hold cycles (jsonValue() keeps them: `console.log(client)`), each repeat as "[circular]". */
function stringifyCycleSafe(value: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    }) ?? String(value)
  );
}

/**
 * Starts capturing on `page`. Call it before the page navigates (the event tap is an init script and
 * an exposed binding), i.e. in a fixture that the page fixtures depend on.
 */
export async function captureSecretSurfaces(page: Page, options: { events?: boolean } = {}): Promise<SecretCapture> {
  const captured: Captured[] = [];
  const extra = new Set<string>();
  const pending: Promise<unknown>[] = [];
  page.on('console', (message) => {
    captured.push({ source: 'console', text: `${message.type()}: ${message.text()}` });
    // text() shows objects as previews; the values themselves are read too, where they still exist.
    for (const arg of message.args()) {
      pending.push(arg.jsonValue().then((value) => captured.push({ source: 'console', text: stringifyCycleSafe(value) }), () => undefined));
    }
  });
  page.on('pageerror', (error) => captured.push({ source: 'pageerror', text: `${error.name}: ${error.message}\n${error.stack ?? ''}` }));
  page.on('request', (request) => captured.push({ source: 'request', text: request.url() }));
  page.on('requestfailed', (request) => captured.push({ source: 'requestfailed', text: `${request.url()} ${request.failure()?.errorText ?? ''}` }));
  if (options.events !== false) {
    const binding = `__webmqttSecretScan${bindingCounter++}`;
    await page.exposeFunction(binding, (json: string) => {
      captured.push({ source: 'event', text: json });
    });
    await page.addInitScript(installEventTap, binding);
  }
  return {
    captured,
    addSecret: (secret) => void extra.add(secret),
    async leaks(secrets = []) {
      await Promise.allSettled(pending);
      return findLeaks(captured, [...secrets, ...extra]);
    },
  };
}
