/**
 * dist/index.mjs as a user's bundler treats it: rollup from a small app, `mqtt` and `eventemitter3` external
 * (what the SDK itself adds to an app), each chunk minified with terser. For the size and tree-shaking tests.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rollup, type Plugin } from 'rollup';
import { minify } from 'terser';
import { it } from 'vitest';

export const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

/** True when every named file of dist/ exists. */
export const built = (...files: string[]): boolean => files.every((file) => existsSync(`${dist}${file}`));

/**
 * A test file that needs dist/ calls this at its top level: it adds a test that fails without the build, saying
 * what to run, so a missing dist can never turn the file's skipped tests into a green run.
 */
export function requireBuilt(what: string, ...files: string[]): boolean {
  const ok = built(...files);
  it(`${what}: needs packages/client/dist (${files.join(', ')})`, () => {
    if (!ok) throw new Error(`packages/client/dist is missing (${files.join(', ')}): run \`npm run build\` before the ${what} test (\`npm test\` does)`);
  });
  return ok;
}

export const gz = (code: string | Buffer): number => gzipSync(code, { level: 9 }).length;

export const terse = async (code: string): Promise<string> =>
  (await minify(code, { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } })).code ?? '';

/** Every export of the SDK: with `inline`, all the code it can load. */
export const EVERY_EXPORT = "export * from 'webmqtt';";

/** An app that connects, subscribes and publishes, and calls nothing else. */
export const MINIMAL_APP = `
  import { createClient } from 'webmqtt';
  const client = createClient({ url: 'wss://broker.example.com/mqtt' });
  await client.connect();
  await client.subscribe('a/+', (m) => console.log(m.text()));
  await client.publish('a/b', 'x', { qos: 1 });
`;

/** The file names of the chunks a page loads up front: the entry and, transitively, its static imports. */
export function upFrontChunks(chunks: ReadonlyArray<{ fileName: string; isEntry: boolean; imports: readonly string[] }>): Set<string> {
  const upFront = new Set<string>();
  const visit = (name: string): void => {
    if (upFront.has(name)) return;
    upFront.add(name);
    chunks.find((c) => c.fileName === name)?.imports.forEach(visit);
  };
  visit(chunks.find((c) => c.isEntry)!.fileName);
  return upFront;
}

/** An app bundled from dist/index.mjs: the code its page loads up front (the entry and its static imports) and the rest. */
export interface BundledApp {
  /** The up-front chunks, each minified on its own (when asked), joined. */
  initial: string;
  /** The chunks loaded only through a dynamic import, one string each. */
  lazy: string[];
}

/**
 * Bundles `app` (an ES module importing 'webmqtt') against dist/index.mjs. With `inline`, dynamic imports are inlined:
 * everything lands in `initial`. Chunks import each other, so their texts cannot be joined before minifying: each is
 * minified on its own, then joined.
 */
export async function bundleApp(app: string, options: { minify: boolean; inline?: boolean }): Promise<BundledApp> {
  const entry: Plugin = {
    name: 'app-entry',
    resolveId: (id) => (id === 'app' ? id : id === 'webmqtt' ? `${dist}index.mjs` : null),
    load: (id) => (id === 'app' ? app : null),
  };
  const build = await rollup({ input: 'app', external: ['mqtt', 'eventemitter3'], plugins: [entry], logLevel: 'silent' });
  const { output } = await build.generate({ format: 'es', inlineDynamicImports: options.inline ?? false });
  await build.close();
  const chunks = output.flatMap((o) => (o.type === 'chunk' ? [o] : []));
  const upFront = upFrontChunks(chunks);
  const codes = await Promise.all(chunks.map(async (c) => ({ upFront: upFront.has(c.fileName), code: options.minify ? await terse(c.code) : c.code })));
  return {
    initial: codes.filter((c) => c.upFront).map((c) => c.code).join('\n'),
    lazy: codes.filter((c) => !c.upFront).map((c) => c.code),
  };
}
