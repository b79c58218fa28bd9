/**
 * `--build`: builds the working tree (tracked and untracked, not ignored files, as `npx next build` in the checkout
 * would) in a private temporary folder, leaving the checkout's `.next` alone for whoever else uses it.
 * node_modules is hard-linked, not symlinked: Turbopack refuses to resolve packages outside the project folder.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildSnapshot } from './build-snapshot';
import { onInterrupt } from './interrupt';

function run(command: string, args: string[], cwd: string, timeoutMs: number, inherit = false): string {
  const result = spawnSync(command, args, {
    cwd,
    timeout: timeoutMs,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: inherit ? 'inherit' : 'pipe',
  });
  if (result.status !== 0) {
    throw new Error(
      `\`${command} ${args.join(' ')}\` failed (${result.status ?? result.signal}): ${result.stderr ?? ''}`,
    );
  }
  return result.stdout ?? '';
}

export function buildWorkingTree(root: string): BuildSnapshot {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-src-'));
  const forget = onInterrupt(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dispose = () => {
    forget();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root, 30_000)
      .split('\0')
      .filter((file) => file !== '' && fs.existsSync(path.join(root, file)));
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(dir, file));
    }
    // Same filesystem as the checkout is assumed (tmpdir); hard links make this instant and take no space.
    run('cp', ['-al', path.join(root, 'node_modules'), path.join(dir, 'node_modules')], root, 120_000);
    console.log(`building the working tree in ${dir} …`);
    run('npx', ['next', 'build'], dir, 600_000, true);
    const buildIdFile = path.join(dir, '.next', 'BUILD_ID');
    return {
      dir,
      buildId: fs.readFileSync(buildIdFile, 'utf8').trim(),
      builtAtMs: fs.statSync(buildIdFile).mtimeMs,
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
