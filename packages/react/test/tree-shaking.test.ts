// dist/index.mjs as a bundler sees it: nothing runs at module scope, so an app that imports the package and uses
// none of it (or one hook) keeps nothing else. Needs `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));

async function bundle(app: string): Promise<string> {
  const build = await rollup({
    input: 'app',
    external: ['react', '@webmqtt/client'],
    plugins: [{ name: 'app', resolveId: (id) => (id === 'app' ? id : id === '@webmqtt/react' ? entry : null), load: (id) => (id === 'app' ? app : null) }],
    logLevel: 'silent',
  });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  // What is left besides the import statements and the licence banner.
  return output[0].code.replace(/^import[^;]*;$/gm, '').replace(/\/\*![^]*?\*\//g, '').trim();
}

describe('tree-shaking dist/index.mjs', () => {
  it('needs packages/react/dist (npm run build)', () => {
    expect(existsSync(entry), 'packages/react/dist/index.mjs is missing: run `npm run build`').toBe(true);
  });

  it.runIf(existsSync(entry))('an import that uses nothing keeps no code (createContext is marked pure)', async () => {
    expect(await bundle("import '@webmqtt/react';")).toBe('');
    expect(await bundle("import { MqttProvider } from '@webmqtt/react'; void MqttProvider;")).toBe('');
  });

  it.runIf(existsSync(entry))('usePublish alone leaves out the subscription store, the state store and the frame batcher', async () => {
    const code = await bundle("import { usePublish } from '@webmqtt/react'; console.log(usePublish);");
    expect(code).toContain('usePublish');
    for (const name of ['SubscriptionStore', 'ConnectionStateStore', 'createFrameBatcher', 'requestAnimationFrame']) expect(code).not.toContain(name);
  });
});
