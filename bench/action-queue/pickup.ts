/**
 * Measurement 1: enqueue commit → handler start, one run at a time.
 *
 * Each sample enqueues `tidyUp({ delayMsPerTodo: 0 })` exactly as the `enqueue.tidyUp` procedure does (insertRun,
 * which returns after the commit, published to the feed), takes t0 = epochNow() as soon as it resolves, and waits until
 * the change feed carries the run's final row before the next sample. Per sample:
 * - claim: the claim row's `updatedAt` − t0. claimNextRun sets `updatedAt` to a JS Date taken just before its UPDATE
 *   (after its SELECT … FOR UPDATE SKIP LOCKED); the handler starts once that transaction commits. 1 ms resolution
 *   (Date), truncated, so it reads up to 1 ms low.
 * - handler running: the first microtask after a published commit at which `queue.active` > 0 (observe.ts), − t0: after the
 *   claim's commit, once the handler has been called; sub-millisecond.
 * - succeeded: the final row's `updatedAt` − t0 (tidyUp over the 4 seeded todos: a read and 4 progress commits).
 * - event loop free: when a setImmediate scheduled at t0 runs, − t0. An HTTP request or timer arriving just after
 *   the enqueue waits at least this long. On PGlite every query resolves as a microtask, so the claim, the
 *   handler and the bookkeeping that every commit triggers (the feed's wake-up, claim attempts) run as one chain.
 * The next sample starts only after that turn (and after `pauseMs`): an enqueue arrives as a request would, from
 * a fresh macrotask, never from inside the previous run's chain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionQueue } from '@/framework/server';
import { insertRun } from '@/framework/server';
import type { Runtime } from '@/framework/server';
import { epochNow, followRuns, nextLoopTurn, onPublished, probeHandlerStart, waitUntil } from './observe';

export const TIDY_UP_INPUT = { delayMsPerTodo: 0 } as const;
/** What the enqueue procedure passes for tidyUp (it defines no maxAttempts of its own). */
export const MAX_ATTEMPTS = 3;

export interface PickupOptions {
  samples: number;
  warmUp: number;
  /** Idle time before each enqueue; 0 = as soon as the previous run's final row reached the feed (and the loop turned). */
  pauseMs: number;
  /** Per sample: the run must finish within this. */
  timeoutMs: number;
}

export interface PickupResult {
  claim: number[];
  handlerRunning: number[];
  succeeded: number[];
  /** handler running − claim row's updatedAt: the claim transaction's own time (UPDATE, change log, commit). */
  claimToHandler: number[];
  loopFree: number[];
  /** Samples whose run did not succeed, or whose handler start the probe missed. */
  failed: number;
  missedProbe: number;
  errors: string[];
  /** Pokes per sample (each wakes the feed and the queue). */
  commitsPerSample: number[];
}

export async function measurePickup(
  runtime: Runtime,
  queue: ActionQueue,
  userId: string,
  options: PickupOptions,
): Promise<PickupResult> {
  const result: PickupResult = {
    claim: [],
    handlerRunning: [],
    succeeded: [],
    claimToHandler: [],
    loopFree: [],
    failed: 0,
    missedProbe: 0,
    errors: [],
    commitsPerSample: [],
  };
  const follower = followRuns(runtime, userId);
  const probe = probeHandlerStart(runtime, queue);
  let commits = 0;
  const stopCounting = onPublished(runtime, () => commits++);
  try {
    for (let index = 0; index < options.warmUp + options.samples; index++) {
      const measured = index >= options.warmUp;
      if (options.pauseMs > 0) await sleep(options.pauseMs);
      // The previous run's bookkeeping (its `finally`) ends a moment after its final commit.
      if (!(await waitUntil(() => queue.active === 0, options.timeoutMs)))
        throw new Error('the queue still has a run executing');
      probe.arm();
      commits = 0;
      const run = await insertRun(runtime, userId, 'tidyUp', TIDY_UP_INPUT, MAX_ATTEMPTS);
      const t0 = epochNow();
      const loopTurn = nextLoopTurn();
      try {
        const trace = await follower.waitFinished(run.id, options.timeoutMs);
        const loopFreeAt = await loopTurn;
        if (!measured) continue;
        result.loopFree.push(loopFreeAt - t0);
        result.commitsPerSample.push(commits);
        if (trace.finalStatus !== 'succeeded' || trace.claimedAt === null || trace.finishedAt === null) {
          result.failed++;
          if (trace.error) result.errors.push(trace.error);
          continue;
        }
        result.claim.push(trace.claimedAt - t0);
        result.succeeded.push(trace.finishedAt - t0);
        if (probe.startedAt === null) result.missedProbe++;
        else {
          result.handlerRunning.push(probe.startedAt - t0);
          result.claimToHandler.push(probe.startedAt - trace.claimedAt);
        }
      } catch (error) {
        if (!measured) throw error;
        result.failed++;
        result.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  } finally {
    stopCounting();
    probe.stop();
    await follower.stop();
  }
  return result;
}
