/**
 * The production build a bench serves: a private build of the working tree with --build, otherwise a snapshot of
 * the checkout's `.next` (warning when sources are newer than it). Disposed of when `use` ends.
 */
import { hasFlag } from './args';
import { snapshotBuild, type BuildSnapshot } from './build-snapshot';
import { buildWorkingTree } from './private-build';
import { sourcesNewerThan } from './server';

export async function withProductionBuild<T>(
  argv: readonly string[],
  use: (build: BuildSnapshot) => Promise<T>,
): Promise<T> {
  const build = hasFlag(argv, 'build') ? buildWorkingTree(process.cwd()) : await snapshotBuild(process.cwd());
  const stale = sourcesNewerThan(build.builtAtMs);
  if (stale.length > 0) {
    console.warn(
      `warning: the production build is older than ${stale.join(', ')}: rebuild to measure the current code.`,
    );
  }
  try {
    return await use(build);
  } finally {
    build.dispose();
  }
}
