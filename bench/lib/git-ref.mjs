// Builds of the SDK to measure: the working tree as it is (built by `npm run build` before the bench), and with
// BENCH_BASELINE_REF=<git ref> that ref as well, for "before and after" rows in the size and pageload suites.
// The ref is checked out with `git worktree add --detach` under a scratch dir and built with `npm run build`; its
// node_modules is a link to this checkout's when what is installed here fits the ref's package-lock.json (every
// package it locks is installed at that version: a ref from before a dependency was added still fits), else
// `npm ci`. The worktree is removed when the process exits. One build per ref per process, shared by the suites.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onExit, run, scratchDir } from './scratch.mjs';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The working tree, as `npm run build` left packages/client/dist. */
export const currentTree = { key: 'current', label: 'current tree', root: repoRoot };

/** The trees to measure, baseline (if BENCH_BASELINE_REF is set) first. */
export async function treesToMeasure(log) {
  const ref = process.env.BENCH_BASELINE_REF;
  return ref ? [await refTree(ref, log), currentTree] : [currentTree];
}

const builds = new Map();

/** `ref` checked out and built (memoised per ref). */
export function refTree(ref, log = () => {}) {
  if (!builds.has(ref)) builds.set(ref, buildRef(ref, log));
  return builds.get(ref);
}

async function buildRef(ref, log) {
  const started = Date.now();
  const commit = (await run('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repoRoot, timeoutMs: 15_000 })).trim();
  const root = join(scratchDir('webmqtt-bench-ref-'), 'tree');
  await run('git', ['worktree', 'add', '--detach', root, commit], { cwd: repoRoot, timeoutMs: 60_000 });
  onExit(() => execFileSync('git', ['worktree', 'remove', '--force', root], { cwd: repoRoot, stdio: 'ignore', timeout: 15_000 }));
  const misfits = misfitsOfInstalled(JSON.parse(await run('git', ['show', `${commit}:package-lock.json`], { cwd: repoRoot, timeoutMs: 15_000 })));
  let installedWith;
  if (misfits.length === 0) {
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
    installedWith = "node_modules linked from this checkout (it has every package the ref's package-lock.json locks, at that version)";
  } else {
    log(`  baseline ${ref}: this checkout's node_modules does not fit its package-lock.json (${misfits.slice(0, 3).join(', ')}…), npm ci…`);
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: root, timeoutMs: 6 * 60_000 });
    installedWith = `npm ci (this checkout's node_modules does not fit its package-lock.json: ${misfits.length} package(s), e.g. ${misfits[0]})`;
  }
  await run('npm', ['run', 'build'], { cwd: root, timeoutMs: 4 * 60_000 });
  const buildS = Math.round((Date.now() - started) / 1000);
  log(`  baseline ${ref} = ${commit.slice(0, 10)} built in ${buildS} s (${installedWith})`);
  return { key: 'baseline', label: `baseline ${ref} (${commit.slice(0, 10)})`, ref, commit, root, installedWith, buildS };
}

/**
 * The packages `lock` (a package-lock.json) locks that this checkout's node_modules does not have at that version,
 * going by npm's record of what it installed (node_modules/.package-lock.json). Optional packages that are not
 * installed (other platforms' binaries) do not count.
 */
function misfitsOfInstalled(lock) {
  const record = join(repoRoot, 'node_modules/.package-lock.json');
  if (!existsSync(record)) return ['node_modules/.package-lock.json missing'];
  const installed = JSON.parse(readFileSync(record, 'utf8')).packages ?? {};
  const misfits = [];
  for (const [path, locked] of Object.entries(lock.packages ?? {})) {
    if (!path.includes('node_modules/')) continue; // the root and the workspaces' own entries
    const have = installed[path];
    if (!have) {
      if (!locked.optional && !locked.devOptional) misfits.push(`${path} missing`);
    } else if ((have.version ?? have.resolved) !== (locked.version ?? locked.resolved)) {
      misfits.push(`${path} ${have.version ?? have.resolved} ≠ ${locked.version ?? locked.resolved}`);
    }
  }
  return misfits;
}
