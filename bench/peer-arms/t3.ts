/**
 * The create-t3-app-way arm: bench/peers/t3 (its own package.json and lockfile), a tRPC standalone server with
 * a React page on the same PostgreSQL database as this project's arm.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from '@playwright/test';
import { measureDataPathArm, type DataPathArm, type DataPathOptions } from './data-path-arm';
import { ensurePeerInstalled } from './install';
import { startPeerServer } from './peer-process';

export const T3_ARM = 'create-t3-app way' as const;

/** Installs the arm if needed, starts it on `postgresUrl` (already migrated by the app), measures, stops it. */
export async function measureT3(
  browser: Browser,
  postgresUrl: string,
  options: DataPathOptions,
): Promise<DataPathArm> {
  const dir = ensurePeerInstalled('t3');
  const delayToken = randomBytes(24).toString('hex');
  const server = await startPeerServer({
    dir,
    script: 'src/server.ts',
    args: (port) => [`--port=${port}`, `--database-url=${postgresUrl}`, `--delay-token=${delayToken}`],
  });
  try {
    return await measureDataPathArm(
      browser,
      { name: T3_ARM, url: server.url, mutationPath: '/api/trpc/todo.setTodoCompleted', delayToken },
      options,
    );
  } finally {
    await server.stop();
  }
}
