/**
 * Runs one arm's closed-loop load in a worker thread (load-worker.ts) and returns what it measured; bounded by the
 * duration plus a generous margin.
 */
import { Worker } from 'node:worker_threads';
import type { LoadResult } from '../support/load';
import type { LoadJob } from './load-worker';

export function runArm(job: LoadJob): Promise<LoadResult> {
  const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job });
  return new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the ${job.arm} load did not finish`));
    }, job.durationMs + 60_000);
    worker.once('message', (result: LoadResult) => {
      clearTimeout(timer);
      resolve(result);
      // Its keep-alive sockets would hold it open; it has nothing left to do.
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the ${job.arm} load worker exited without a result`));
    });
  });
}
