import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { exec, extractTarball, packClient, repoRoot, scratchDir } from './pack';

/** A copy of `examples/<name>` outside the monorepo with the packed `@webmqtt/client` installed. */
export interface InstalledExample {
  dir: string;
  /** What the example's package.json asks for, before the copy points it at the tarball. */
  declaredDependency: string | undefined;
  /** The tarball's file name, as `npm pack` wrote it. */
  tarballName: string;
  /** How the package got there: npm from the tarball, or (with no registry) the tarball's files and linked dependencies. */
  installedWith: string;
}

/**
 * Copies `examples/<name>` to a scratch directory, points its `@webmqtt/client` dependency at the packed tarball
 * and runs `npm install` there, as a user of the published package would. Without a registry the tarball's files
 * are unpacked and its dependencies linked from the monorepo, as e2e/toolchains.spec.ts does. With `omitDev`
 * the example's devDependencies (its build tools) are linked from the monorepo instead of installed.
 */
export async function installExample(name: string, options: { omitDev?: boolean } = {}): Promise<InstalledExample> {
  const { tarball } = await packClient();
  const dir = join(scratchDir(`webmqtt-example-${name}-`), name);
  cpSync(join(repoRoot, 'examples', name), dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
  const manifestFile = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { dependencies?: Record<string, string> };
  const declaredDependency = manifest.dependencies?.['@webmqtt/client'];
  manifest.dependencies = { ...manifest.dependencies, '@webmqtt/client': `file:${tarball}` };
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  let installedWith: string;
  try {
    await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', ...(options.omitDev ? ['--omit=dev'] : [])], dir);
    installedWith = 'npm install (the tarball; mqtt and eventemitter3 from the registry or cache)';
  } catch (error) {
    const pkg = await extractTarball(tarball, join(dir, '.tarball'));
    mkdirSync(join(dir, 'node_modules/@webmqtt'), { recursive: true });
    cpSync(pkg, join(dir, 'node_modules/@webmqtt/client'), { recursive: true });
    for (const dep of ['mqtt', 'eventemitter3']) symlinkSync(join(repoRoot, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
    installedWith = `tarball extracted, dependencies linked from the monorepo (npm install failed: ${String((error as Error).message).split('\n')[0]})`;
  }
  if (options.omitDev) {
    const devDependencies = Object.keys((JSON.parse(readFileSync(manifestFile, 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies ?? {});
    for (const dep of devDependencies) {
      if (!existsSync(join(dir, 'node_modules', dep))) symlinkSync(join(repoRoot, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
    }
  }
  if (!existsSync(join(dir, 'node_modules/@webmqtt/client/dist/index.mjs'))) throw new Error(`@webmqtt/client did not install into ${dir}`);
  return { dir, declaredDependency, tarballName: basename(tarball), installedWith };
}

/** One line the script printed, with when it arrived (ms after the process was spawned). */
export interface TimedLine {
  text: string;
  atMs: number;
}

export interface ScriptRun {
  /** Exit code; null when the run was killed at its deadline. */
  exitCode: number | null;
  killedAtDeadline: boolean;
  /** When the process exited, in ms after it was spawned. */
  exitAtMs: number;
  stdout: string;
  stderr: string;
  lines: TimedLine[];
}

/**
 * Runs `node <script>` in `cwd` with only `env` (plus PATH and HOME): nothing of the test runner's own Node
 * options leaks into the example. Kills it at `deadlineMs`, so a hanging client fails the test instead of it.
 */
export function runScript(cwd: string, script: string, env: Record<string, string>, deadlineMs = 15_000): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? cwd, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: TimedLine[] = [];
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const atMs = performance.now() - started;
      stdout += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ text, atMs });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let killedAtDeadline = false;
    const timer = setTimeout(() => {
      killedAtDeadline = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (partial !== '') lines.push({ text: partial, atMs: performance.now() - started });
      resolve({ exitCode: code, killedAtDeadline, exitAtMs: performance.now() - started, stdout, stderr, lines });
    });
  });
}
