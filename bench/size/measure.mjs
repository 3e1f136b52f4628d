// Pure size measuring: minify, gzip (level 9) and brotli (quality 11) byte counts.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export function compressedSizes(code) {
  const buf = Buffer.isBuffer(code) ? code : Buffer.from(code);
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export async function minify(code, { compress = true } = {}) {
  const { minify: terser } = await import('terser');
  const out = await terser(code, { module: true, compress: compress ? { passes: 2 } : false, mangle: true, format: { comments: false } });
  return out.code;
}

export function fileSizes(path) {
  return compressedSizes(readFileSync(path));
}
