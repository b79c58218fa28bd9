/**
 * A private copy of the production build to run `next start` from. `.next` is shared with whoever else works in
 * this checkout, and `npm run build` / `npm run test:e2e` delete and rewrite it: a server running straight from it
 * would fail, or silently serve a half-new build, in the middle of a measurement. The copy holds the build as it
 * was when the bench started; everything else (node_modules, config) is linked to the checkout. `.env*` files are
 * not carried over: the benches set every variable the server needs themselves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onInterrupt } from './interrupt';

export interface BuildSnapshot {
  /** The directory to run `next start` in. */
  readonly dir: string;
  readonly buildId: string;
  /** When the build finished (its BUILD_ID's mtime), epoch ms. */
  readonly builtAtMs: number;
  dispose(): void;
}

const LINKED = ['node_modules', 'package.json', 'next.config.ts', 'tsconfig.json', 'public'];
/**
 * Read at run time from the working directory, not bundled: the migrations (framework/server/db/migrate.ts reads
 * process.cwd()/db/migrations), and the module next.config.ts imports (`next start` compiles the config again).
 */
const COPIED = ['db/migrations', 'server/http/security-headers.ts'];
/** Build caches and dev output: large, and `next start` reads none of them. */
const SKIPPED = new Set(['cache', 'dev', 'diagnostics', 'trace', 'trace-build', 'lock']);

function readBuildId(root: string): string | null {
  try {
    return fs.readFileSync(path.join(root, '.next', 'BUILD_ID'), 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Copies `<root>/.next` once a complete build is there (BUILD_ID is written last), and checks that BUILD_ID was
 * the same before and after the copy, i.e. that no rebuild overwrote it meanwhile. Bounded: gives up after
 * `waitMs` of waiting for a build or a few copies spoiled by rebuilds.
 */
export async function snapshotBuild(root: string, waitMs = 120_000): Promise<BuildSnapshot> {
  if (readBuildId(root) === null) {
    throw new Error(
      `No production build in ${root}/.next (no BUILD_ID): run \`npx next build\` first, or pass --build to build ` +
        'the working tree in a private folder.',
    );
  }
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; attempt <= 5; attempt++) {
    let before = readBuildId(root);
    while (before === null && Date.now() < deadline) {
      await sleep(1_000);
      before = readBuildId(root);
    }
    if (before === null)
      throw new Error(`No complete production build in ${root}/.next within ${waitMs} ms.`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-build-'));
    const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.cpSync(path.join(root, '.next'), path.join(dir, '.next'), {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
        filter: (source) => !SKIPPED.has(path.relative(path.join(root, '.next'), source)),
      });
    } catch {
      dispose(); // A file vanished under the copy: a rebuild started. Try again.
      continue;
    }
    if (readBuildId(root) === before && readBuildId(dir) === before) {
      const builtAtMs = fs.statSync(path.join(dir, '.next', 'BUILD_ID')).mtimeMs;
      for (const name of LINKED) {
        if (fs.existsSync(path.join(root, name))) fs.symlinkSync(path.join(root, name), path.join(dir, name));
      }
      for (const name of COPIED) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.cpSync(path.join(root, name), path.join(dir, name), { recursive: true });
      }
      const forget = onInterrupt(dispose);
      return {
        dir,
        buildId: before,
        builtAtMs,
        dispose() {
          forget();
          dispose();
        },
      };
    }
    dispose();
  }
  throw new Error('The production build kept changing while it was being copied (a rebuild is running?).');
}
