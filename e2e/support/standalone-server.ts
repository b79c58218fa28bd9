/**
 * How every e2e spec starts a server process: Next's standalone server from the production build that Playwright's
 * webServer made (`npm run build`), the same `server.js` the Dockerfile runs, so what ships is what is tested.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

/** The built standalone entry point (it changes its working directory to its own folder when it starts). */
export const STANDALONE_SERVER = path.resolve('.next', 'standalone', 'server.js');

/**
 * Starts `node .next/standalone/server.js` on 127.0.0.1:`port` in its own process group (so the whole group can be
 * signalled), with `env` on top of this process's environment.
 */
export function spawnStandaloneServer(
  port: number,
  env: Record<string, string>,
  options: Omit<SpawnOptions, 'env'> & {
    /** Another build's `server.js` (e2e/support/second-build.ts); default: this tree's. */
    serverJs?: string;
  } = {},
): ChildProcess {
  const { serverJs = STANDALONE_SERVER, ...spawnOptions } = options;
  return spawn(process.execPath, [serverJs], {
    detached: true,
    ...spawnOptions,
    env: { ...process.env, HOSTNAME: '127.0.0.1', PORT: String(port), ...env },
  });
}
