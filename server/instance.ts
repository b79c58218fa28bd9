/**
 * This server process's runtime (database, pokes, change feed): opened and migrated once, on first use, and kept on
 * `globalThis` so that Next dev's hot reloads reuse it instead of opening the PGlite folder a second time.
 */
import 'server-only';
import { openDatabase } from '@/framework/server';
import { authConfigOf, authFor } from './auth/auth-instance';
import type { ContextDeps } from './context';
import { databaseConfigOf, getEnv, type Env } from './env';
import { type Runtime, type RuntimeOptions } from '@/framework/server';
import { startActionQueue } from '@/framework/server';
import { startRetention, type RetentionOptions } from '@/framework/server';
import { installShutdownHandlers } from '@/framework/server';
import { syncServer } from './sync';

const holder = globalThis as typeof globalThis & { __starterRuntime?: Promise<Runtime> };

/** What request contexts of this process are built from (the tRPC handler, the CSV routes). */
export async function getContextDeps(): Promise<ContextDeps> {
  const env = getEnv();
  const runtime = await getRuntime();
  return {
    runtime,
    sessionSecret: env.SESSION_SECRET,
    auth: authFor(runtime, env.SESSION_SECRET, authConfigOf(env)),
    allowTestDelay: env.ALLOW_TEST_DELAY,
    trustedOrigins: env.TRUSTED_ORIGINS,
    testDelayToken: env.TEST_DELAY_TOKEN ?? null,
    credentialRecheckMs: env.STREAM_TOKEN_RECHECK_MS,
  };
}

/**
 * The process runtime over the configured database (DATABASE_URL + DATABASE_DIRECT_URL, else PGlite), as this copy
 * of the app's modules sees it (Next bundles pages and route handlers separately: see syncServer.withThisApp).
 */
export async function getRuntime(): Promise<Runtime> {
  return syncServer.withThisApp(await sharedRuntime());
}

function sharedRuntime(): Promise<Runtime> {
  if (!holder.__starterRuntime) {
    const env = getEnv();
    const opening = openDatabase(databaseConfigOf(env))
      .then((database) => syncServer.createRuntime(database, runtimeOptionsOf(env)))
      .then((runtime) => {
        installShutdownHandlers(runtime);
        // Enqueued actions run in every server process (FOR UPDATE SKIP LOCKED keeps them from running one twice),
        // unless ACTION_QUEUE_WORKERS=0 leaves them to `npm run worker` (server/worker.ts).
        if (env.ACTION_QUEUE_WORKERS > 0) {
          startActionQueue(runtime, { leaseMs: env.ACTION_LEASE_MS, concurrency: env.ACTION_QUEUE_WORKERS });
        }
        // Every process runs the job; an advisory lock lets one at a time do the work (retention.ts).
        startRetention(runtime, retentionOptions(env));
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

/** What every process's runtime is built with (web processes here, the queue worker in server/worker.ts). */
export function runtimeOptionsOf(env: Env): Omit<RuntimeOptions, 'app'> {
  return {
    limits: {
      modelCalls: { points: env.MODEL_RATE_LIMIT, durationSeconds: env.MODEL_RATE_WINDOW_SECONDS },
      newVisitors: { points: env.NEW_VISITOR_RATE_LIMIT, durationSeconds: env.NEW_VISITOR_WINDOW_SECONDS },
    },
  };
}

const HOUR = 60 * 60 * 1000;

/** The retention windows from the environment (defaults in server/env.ts and .env.example). */
export function retentionOptions(env: Env): Partial<RetentionOptions> {
  return {
    logKeepVersions: env.RETENTION_LOG_KEEP_VERSIONS,
    logMaxAgeMs: env.RETENTION_LOG_MAX_AGE_HOURS * HOUR,
    clientIdleMs: env.RETENTION_CLIENT_IDLE_DAYS * 24 * HOUR,
    finishedRunsMs: env.RETENTION_FINISHED_RUNS_DAYS * 24 * HOUR,
    intervalMs: env.RETENTION_INTERVAL_SECONDS * 1_000,
  };
}
