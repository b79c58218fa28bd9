/**
 * `npm run worker`: a long-lived process that runs only the action queue (server/worker.ts), beside web processes
 * started with ACTION_QUEUE_WORKERS=0. Stops cleanly on SIGTERM (finishes running actions first).
 */
import './load-env';
import { registerTracing, tracingConfigured } from '@/framework/server';
import { startWorker } from '@/server/worker';

(tracingConfigured() ? registerTracing() : Promise.resolve()).then(startWorker).catch((error: unknown) => {
  console.error(`[worker] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
