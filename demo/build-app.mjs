// Builds the demo page at startup: demo/src/*.ts -> <outDir>/app/*.js (type-checked), and the two
// HTML variants from demo/page.html. Runs inside `npm start`, so users never run a separate step.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';

const demoDir = fileURLToPath(new URL('.', import.meta.url));
const repoDir = fileURLToPath(new URL('..', import.meta.url));
const HASH_FILE = '.inputs-hash';

/** URLs the page loads the SDK and uPlot from; the demo server serves these paths. */
export const ASSET_PATHS = {
  sdkEsm: '/sdk/webmqtt.browser.mjs',
  sdkUmd: '/sdk/webmqtt.umd.min.js',
  uplotEsm: '/vendor/uplot/uPlot.esm.js',
  uplotIife: '/vendor/uplot/uPlot.iife.min.js',
  uplotCss: '/vendor/uplot/uPlot.min.css',
};

// Each variant loads the SDK the way users do: the ESM build through an import (rollup rewrites
// `@webmqtt/client` to the served file), or the UMD build through a classic <script> tag.
const VARIANTS = {
  'index.html': {
    label: 'ESM build',
    other: { href: '/umd.html', text: 'Try the UMD <script> variant' },
    scripts: [
      `<link rel="modulepreload" href="${ASSET_PATHS.sdkEsm}">`,
      `<script type="module" src="/app/main-esm.js"></script>`,
    ],
  },
  'umd.html': {
    label: 'UMD <script> tag',
    other: { href: '/', text: 'Back to the ESM variant' },
    scripts: [
      `<script src="${ASSET_PATHS.sdkUmd}"></script>`,
      `<script src="${ASSET_PATHS.uplotIife}"></script>`,
      `<script type="module" src="/app/main-umd.js"></script>`,
    ],
  },
};

/**
 * Type-checks and bundles the page code, then writes index.html and umd.html.
 * Throws when the TypeScript does not compile, so a broken demo never starts.
 * @param {{ outDir: string }} options
 * @returns {Promise<{ cached: boolean }>}
 */
export async function buildApp({ outDir }) {
  // Type-checking takes seconds: skip it when nothing the output depends on has changed.
  const hash = await inputsHash();
  const previous = await readFile(`${outDir}/${HASH_FILE}`, 'utf8').catch(() => '');
  if (previous === hash) return { cached: true };
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const problems = [];
  const bundle = await rollup({
    input: {
      'main-esm': `${demoDir}src/main-esm.ts`,
      'main-umd': `${demoDir}src/main-umd.ts`,
    },
    external: ['@webmqtt/client', 'uplot'],
    plugins: [
      typescript({
        tsconfig: `${demoDir}tsconfig.json`,
        include: [`${demoDir}src/**/*.ts`],
        noEmitOnError: true,
        compilerOptions: { outDir: `${outDir}/app` },
      }),
    ],
    onwarn(warning) {
      problems.push(warning.message);
    },
  });
  try {
    await bundle.write({
      dir: `${outDir}/app`,
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: '[name].js',
      paths: { '@webmqtt/client': ASSET_PATHS.sdkEsm, uplot: ASSET_PATHS.uplotEsm },
    });
  } finally {
    await bundle.close();
  }
  if (problems.length > 0) throw new Error(`the demo page does not build:\n${problems.join('\n')}`);

  const template = await readFile(`${demoDir}page.html`, 'utf8');
  await Promise.all(
    Object.entries(VARIANTS).map(([file, variant]) =>
      writeFile(
        `${outDir}/${file}`,
        template
          .replaceAll('{{variant}}', escapeHtml(variant.label))
          .replaceAll('{{otherHref}}', variant.other.href)
          .replaceAll('{{otherText}}', escapeHtml(variant.other.text))
          .replaceAll('{{uplotCss}}', ASSET_PATHS.uplotCss)
          .replace('{{scripts}}', variant.scripts.join('\n')),
      ),
    ),
  );
  await writeFile(`${outDir}/${HASH_FILE}`, hash);
  return { cached: false };
}

/** A hash of every file the build reads, the SDK's types included. */
async function inputsHash() {
  const sources = (await readdir(`${demoDir}src`)).sort().map((name) => `${demoDir}src/${name}`);
  const files = [
    ...sources,
    `${demoDir}page.html`,
    `${demoDir}tsconfig.json`,
    fileURLToPath(import.meta.url),
    `${repoDir}tsconfig.base.json`,
    `${repoDir}packages/client/dist/index.d.ts`,
  ];
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update(await readFile(file).catch(() => Buffer.from('missing')));
  }
  return hash.digest('hex');
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
