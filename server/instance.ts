/**
 * This server process's runtime (database, pokes, change feed): opened and migrated once, on first use, and kept on
 * `globalThis` so that Next dev's hot reloads reuse it instead of opening the PGlite folder a second time.
 */
import 'server-only';
import { openDatabase } from '@/db/open';
import type { ContextDeps } from './context';
import { databaseConfigOf, getEnv } from './env';
import { createRuntime, type Runtime } from './runtime/runtime';
import { startActionQueue } from './runtime/action-queue';
import { installShutdownHandlers } from './shutdown';

const holder = globalThis as typeof globalThis & { __starterRuntime?: Promise<Runtime> };

/** What request contexts of this process are built from (the tRPC handler, the CSV routes). */
export async function getContextDeps(): Promise<ContextDeps> {
  const env = getEnv();
  return {
    runtime: await getRuntime(),
    sessionSecret: env.SESSION_SECRET,
    allowTestDelay: env.ALLOW_TEST_DELAY,
  };
}

/** The process runtime over the configured database (DATABASE_URL + DATABASE_DIRECT_URL, else PGlite). */
export function getRuntime(): Promise<Runtime> {
  if (!holder.__starterRuntime) {
    const env = getEnv();
    const opening = openDatabase(databaseConfigOf(env))
      .then(createRuntime)
      .then((runtime) => {
        installShutdownHandlers(runtime);
        // Enqueued actions run in every server process (FOR UPDATE SKIP LOCKED keeps them from running one twice),
        // unless ACTION_QUEUE_WORKERS=0 leaves them to `npm run worker` (server/worker.ts).
        if (env.ACTION_QUEUE_WORKERS > 0) {
          startActionQueue(runtime, { leaseMs: env.ACTION_LEASE_MS, concurrency: env.ACTION_QUEUE_WORKERS });
        }
        return runtime;
      });
    // A failed open is not cached: the next request tries again (e.g. once the other holder has stopped).
    opening.catch(() => {
      if (holder.__starterRuntime === opening) holder.__starterRuntime = undefined;
    });
    holder.__starterRuntime = opening;
  }
  return holder.__starterRuntime;
}
