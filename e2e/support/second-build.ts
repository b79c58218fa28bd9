/**
 * A second production build of this tree with one edit (say, the schema version bumped): a real build N+1 for specs
 * that deploy over a running page. The tree is copied to a temporary folder (without its build output and data),
 * its node_modules hard-linked rather than copied (seconds, not minutes; a symlink would not do: Turbopack refuses
 * to read a node_modules that points outside the project), the edit applied, and `npm run build` run there.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Top-level entries that are not source: output, data, dependencies (linked separately), VCS. */
const SKIPPED = new Set([
  'node_modules',
  '.next',
  '.git',
  '.data',
  'test-results',
  'playwright-report',
  'blob-report',
  '.bench-results',
]);

export interface SecondBuild {
  /** The copy's standalone `server.js` (pass it to startNextServer's `serverJs`). */
  serverJs: string;
  /** Deletes the copy. */
  remove(): void;
}

/** Builds a copy of the project at `root` after `edit(copyRoot)`; rejects with the build's output on failure. */
export async function buildEditedCopy(
  edit: (copyRoot: string) => void,
  root = process.cwd(),
): Promise<SecondBuild> {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'starter-build-'));
  const remove = () => fs.rmSync(copy, { recursive: true, force: true });
  try {
    for (const entry of fs.readdirSync(root)) {
      if (SKIPPED.has(entry)) continue;
      fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true, verbatimSymlinks: true });
    }
    // Hard links: the same files, no extra disk, and every package resolves inside the copy. Needs one filesystem.
    execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(copy, 'node_modules')]);
    edit(copy);
    await run('npm', ['run', 'build'], copy);
    const serverJs = path.join(copy, '.next', 'standalone', 'server.js');
    if (!fs.existsSync(serverJs)) throw new Error(`the second build made no ${serverJs}`);
    return { serverJs, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}
