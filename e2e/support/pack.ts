import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The monorepo root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const clientDir = join(repoRoot, 'packages/client');

/** What `npm pack` produced: the tarball and the directory it sits in (also a scratch space for the caller). */
export interface PackedClient {
  tarball: string;
  dir: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
}

let packed: Promise<PackedClient> | undefined;

/**
 * Packs `@webmqtt/client` exactly as `npm publish` would (same `files`, same package.json), once per
 * process. Scripts are not run: the caller wants the dist that is there (`npm run build` first).
 */
export function packClient(): Promise<PackedClient> {
  packed ??= pack();
  return packed;
}

async function pack(): Promise<PackedClient> {
  if (!existsSync(join(clientDir, 'dist/index.mjs')) || !existsSync(join(clientDir, 'dist/webmqtt.umd.min.js'))) {
    throw new Error('packages/client/dist is missing: run `npm run build` before the toolchain checks.');
  }
  const dir = mkdtempSync(join(tmpdir(), 'webmqtt-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
    cwd: clientDir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!info) throw new Error(`npm pack printed no result: ${stdout}`);
  return { tarball: join(dir, info.filename), dir, files: info.files.map((f) => f.path) };
}

/** Unpacks the tarball into `<into>/package` with the system tar (gzip'd, as npm writes it). */
export async function extractTarball(tarball: string, into: string): Promise<string> {
  mkdirSync(into, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', into]);
  return join(into, 'package');
}

/** Runs a command and returns its output; npm's progress and notices stay out of the test log. */
export async function exec(command: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return stdout;
}

/** A fresh scratch directory outside the monorepo, so nothing resolves from the workspace's node_modules by accident. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
