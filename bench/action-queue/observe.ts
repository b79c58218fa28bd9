/**
 * Watching the queue from inside the process without adding database work of our own:
 * - {@link followRuns}: a user's `action_runs` rows as the change feed carries them (what every open tab receives),
 *   so the claim row (status 'running', `updatedAt` = the JS Date taken just before the claim UPDATE) and the final
 *   row are known without a query.
 * - {@link probeHandlerStart}: the moment this process's queue has a run executing (`queue.active` > 0), checked on
 *   the microtasks that follow every commit this process publishes to its feed ({@link onPublished}): the claim
 *   publishes right after its commit, and the handler is called a few microtasks later.
 * All times are epoch milliseconds on one clock: `performance.timeOrigin + performance.now()` (see {@link epochNow}).
 */
import type { ActionRun } from '@/framework/server/schema';
import type { ActionQueue } from '@/framework/server';
import type { Runtime } from '@/framework/server';

/** Now, in epoch milliseconds with sub-millisecond resolution (the monotonic clock, anchored at process start). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

const TERMINAL = new Set<ActionRun['status']>(['succeeded', 'failed', 'cancelled']);

export function isTerminal(status: ActionRun['status']): boolean {
  return TERMINAL.has(status);
}

export interface RunTrace {
  /** The claim row's `updatedAt` (a JS Date: 1 ms resolution), epoch ms; null until the feed carried the claim. */
  claimedAt: number | null;
  /** The terminal row's status and `updatedAt`, once the feed carried it. */
  finalStatus: ActionRun['status'] | null;
  finishedAt: number | null;
  error: string | null;
}

export interface RunFollower {
  /** Resolves with the run's trace once it reached a terminal status; rejects after `timeoutMs`. */
  waitFinished(runId: string, timeoutMs: number): Promise<RunTrace>;
  stop(): Promise<void>;
}

/** Follows `userId`'s runs through `runtime.feed`, from its current head on. */
export function followRuns(runtime: Runtime, userId: string): RunFollower {
  const traces = new Map<string, RunTrace>();
  const waiters = new Map<string, () => void>();
  const controller = new AbortController();
  let after = runtime.feed.head;

  const apply = (row: ActionRun) => {
    let trace = traces.get(row.id);
    if (!trace) {
      trace = { claimedAt: null, finalStatus: null, finishedAt: null, error: null };
      traces.set(row.id, trace);
    }
    // The first 'running' row of the first attempt is the claim; progress updates that follow are 'running' too.
    if (row.status === 'running' && trace.claimedAt === null) trace.claimedAt = row.updatedAt.getTime();
    if (isTerminal(row.status)) {
      trace.finalStatus = row.status;
      trace.finishedAt = row.updatedAt.getTime();
      trace.error = row.error;
      waiters.get(row.id)?.();
    }
  };

  // Ends when stop() aborts: each turn waits for the feed to move (or the abort).
  const loop = (async () => {
    while (!controller.signal.aborted) {
      await runtime.feed.waitBeyond(after, controller.signal);
      if (controller.signal.aborted) break;
      const batch = await runtime.feed.read(userId, after);
      after = batch.upTo;
      for (const change of batch.changes) {
        if (change.table === 'actionRuns' && change.op === 'set' && change.row)
          apply(change.row as ActionRun);
      }
    }
  })();

  return {
    waitFinished(runId, timeoutMs) {
      const done = traces.get(runId);
      if (done?.finalStatus) return Promise.resolve(done);
      return new Promise<RunTrace>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(runId);
          reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(runId, () => {
          clearTimeout(timer);
          waiters.delete(runId);
          const trace = traces.get(runId);
          if (trace) resolve(trace);
        });
      });
    },
    async stop() {
      controller.abort();
      await loop;
    },
  };
}

export interface HandlerStartProbe {
  /** Starts watching for the next run to begin executing (forgets the previous one). */
  arm(): void;
  /** When the armed run was first seen executing, epoch ms; null if not (yet). */
  readonly startedAt: number | null;
  stop(): void;
}

/**
 * Calls `listener` right after each commit this process hands to its feed (ChangeFeed.publish, called just after
 * COMMIT), by wrapping the runtime's feed. Returns the unwrap.
 */
export function onPublished(runtime: Runtime, listener: () => void): () => void {
  const feed = runtime.feed;
  const publish = feed.publish.bind(feed);
  feed.publish = (entry) => {
    publish(entry);
    listener();
  };
  return () => {
    feed.publish = publish; // the bound original: the feed's methods do not use `this`
  };
}

/** Microtask hops checked after each commit: the claim's is followed by the handler call within a few. */
const PROBE_HOPS = 32;

/**
 * `queue.active` becomes 1 right after a claim: claimNextRun publishes after its commit, returns, and the queue
 * calls the handler (which runs up to its first query) and counts the run, a few microtasks later. So after every commit
 * the probe checks `queue.active` on each of the next {@link PROBE_HOPS} microtasks. Microtasks, not the next
 * event-loop turn: on PGlite every query resolves without leaving the microtask queue, so a whole run (claim,
 * handler, commits, final row) can complete before the event loop turns again.
 */
export function probeHandlerStart(runtime: Runtime, queue: ActionQueue): HandlerStartProbe {
  let armed = false;
  let startedAt: number | null = null;
  const check = (hop: number) => {
    if (!armed || startedAt !== null) return;
    if (queue.active > 0) startedAt = epochNow();
    else if (hop < PROBE_HOPS) queueMicrotask(() => check(hop + 1));
  };
  const unsubscribe = onPublished(runtime, () => check(0));
  return {
    arm() {
      armed = true;
      startedAt = null;
    },
    get startedAt() {
      return startedAt;
    },
    stop() {
      armed = false;
      unsubscribe();
    },
  };
}

/** Resolves with epochNow() at the next turn of the event loop (a macrotask: what an HTTP request waits for). */
export function nextLoopTurn(): Promise<number> {
  return new Promise((resolve) => setImmediate(() => resolve(epochNow())));
}

/** Waits (polling each event-loop turn, bounded by `timeoutMs`) until `condition` holds; false if it never did. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}
