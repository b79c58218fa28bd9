/**
 * Installs a peer arm's own project (`bench/peers/<name>/`, with its own package.json and lockfile) on demand:
 * `npm ci` into its folder when its node_modules is missing or older than its lockfile. The peers are never
 * dependencies of the app; their node_modules are git-ignored.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The folder of a peer arm's project. */
export function peerDir(name: string): string {
  return path.join(process.cwd(), 'bench', 'peers', name);
}

/** Runs `npm ci` in the peer's folder unless its install is up to date; throws with npm's output on failure. */
export function ensurePeerInstalled(name: string): string {
  const dir = peerDir(name);
  const lockfile = path.join(dir, 'package-lock.json');
  if (!fs.existsSync(lockfile))
    throw new Error(`${lockfile} is missing: the peer arm "${name}" has no lockfile`);
  // npm writes node_modules/.package-lock.json at the end of a successful install.
  const installed = path.join(dir, 'node_modules', '.package-lock.json');
  const fresh = fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lockfile).mtimeMs;
  if (fresh) return dir;
  console.log(`installing the peer arm "${name}" (npm ci in ${path.relative(process.cwd(), dir)}) …`);
  const started = performance.now();
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    // This process's Node first on PATH, so install scripts (native modules) build for the Node that runs them.
    env: {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `npm ci for the peer arm "${name}" failed (${result.status ?? result.signal}):\n${(result.stderr ?? '').slice(-3_000)}`,
    );
  }
  console.log(`  installed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}
