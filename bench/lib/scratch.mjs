// Scratch space outside the repository for the builds the bench makes (packed tarballs, Vite apps,
// git worktrees of other refs), cleaned up when the process exits, and a bounded way to run commands.
// BENCH_KEEP_SCRATCH=1 keeps everything for a look (then `git worktree prune` after deleting it by hand).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cleanups = [];
process.on('exit', () => {
  if (process.env.BENCH_KEEP_SCRATCH === '1') return;
  // Last registered first: a worktree is unregistered before the directory holding it goes.
  for (const cleanup of cleanups.reverse()) {
    try {
      cleanup();
    } catch { /* best effort */ }
  }
});

/** Registers a synchronous cleanup for process exit. */
export function onExit(cleanup) {
  cleanups.push(cleanup);
}

/** A fresh directory under the OS temp dir, removed at exit. */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs `command` (no shell) in `cwd`; resolves with its stdout. After `timeoutMs` the whole process group is killed
 * (npm's children too) and the promise rejects; a failure rejects with the last lines of stderr (also as `.tail`).
 */
export function run(command, args, { cwd, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => { if (stderr.length < 200_000) stderr += d; });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    const what = `${command} ${args.join(' ')} (in ${cwd})`;
    child.on('error', (error) => { clearTimeout(timer); reject(new Error(`${what}: ${error.message}`)); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) return resolve(stdout);
      const tail = (stderr || stdout).trim().split('\n').slice(-6).join(' | ');
      reject(Object.assign(new Error(`${what} ${timedOut ? `timed out after ${timeoutMs} ms` : `exited ${code}`}: ${tail}`), { tail }));
    });
  });
}
