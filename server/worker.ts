/**
 * The queue worker process (`npm run worker`): runs only the action queue, for deployments whose web processes
 * cannot keep background work alive (serverless hosts; there set ACTION_QUEUE_WORKERS=0 on the web processes).
 * It opens the same database as the web processes, hears their enqueues through NOTIFY (the change feed), and
 * claims runs with FOR UPDATE SKIP LOCKED, so any number of workers and web processes may share the queue.
 */
import 'server-only';
import { openDatabase } from '@/framework/server';
import { databaseConfigOf, getEnv } from './env';
import { retentionOptions, runtimeOptionsOf } from './instance';
import { startActionQueue } from '@/framework/server';
import { startRetention } from '@/framework/server';
import { installWorkerShutdownHandlers } from '@/framework/server';
import { syncServer } from './sync';

/** Starts the worker; resolves once it is claiming runs. Throws (naming the variable) on a configuration it cannot run. */
export async function startWorker(): Promise<void> {
  const env = getEnv();
  if (!env.DATABASE_URL) {
    throw new Error(
      'The worker needs PostgreSQL: set DATABASE_URL (a PGlite folder can be opened by one process only, and the ' +
        'web process that holds it runs the queue itself).',
    );
  }
  if (env.ACTION_QUEUE_WORKERS === 0) {
    throw new Error(
      'ACTION_QUEUE_WORKERS=0 leaves the worker nothing to do: set it to 1 or more for the worker.',
    );
  }
  const runtime = await syncServer.createRuntime(
    await openDatabase(databaseConfigOf(env)),
    runtimeOptionsOf(env),
  );
  const queue = startActionQueue(runtime, {
    leaseMs: env.ACTION_LEASE_MS,
    concurrency: env.ACTION_QUEUE_WORKERS,
    onSettled: (run, outcome) => console.log(`[worker] run ${run.id} (${run.action}) ${outcome}`),
  });
  // Web processes on serverless hosts may never be alive between requests to run it: the worker runs it too.
  startRetention(runtime, retentionOptions(env));
  installWorkerShutdownHandlers(runtime, queue);
  console.log(`[worker] ready: up to ${env.ACTION_QUEUE_WORKERS} action runs at once`);
}
