// Pure size measuring: minify, gzip (level 9) and brotli (quality 11) byte counts.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** `code` gzipped (level 9) and brotli'd (quality 11): the bytes, e.g. for a server to send precompressed. */
export function compressed(code) {
  const buf = Buffer.isBuffer(code) ? code : Buffer.from(code);
  return { buf, gzip: gzipSync(buf, { level: 9 }), brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) };
}

export function compressedSizes(code) {
  const { buf, gzip, brotli } = compressed(code);
  return { raw: buf.length, gzip: gzip.length, brotli: brotli.length };
}

export async function minify(code, { compress = true } = {}) {
  const { minify: terser } = await import('terser');
  const out = await terser(code, { module: true, compress: compress ? { passes: 2 } : false, mangle: true, format: { comments: false } });
  return out.code;
}

export function fileSizes(path) {
  return compressedSizes(readFileSync(path));
}

/** The file names of `roots` (bundle chunks) and of every chunk they import statically, transitively. */
export function withStaticImports(chunks, roots) {
  const found = new Set();
  const visit = (name) => {
    if (found.has(name)) return;
    found.add(name);
    chunks.find((c) => c.fileName === name)?.imports.forEach(visit);
  };
  roots.forEach((c) => visit(c.fileName));
  return found;
}
