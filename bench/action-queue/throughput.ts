/**
 * Measurement 2: runs per second through the queue. One round = one fresh user, `runs` tidyUp runs, a queue of the
 * given concurrency started for the round and stopped after it. Two modes:
 * - live: the queue is running while `enqueuers` concurrent callers enqueue the runs as fast as they can (each one
 *   insertRun after the other, as parallel `enqueue.tidyUp` requests would). Wall time = first enqueue → the last
 *   run's final `updatedAt`.
 * - backlog: all runs are enqueued first, then the queue starts. Wall time = queue start → the last final
 *   `updatedAt`: the queue's drain rate alone, without enqueues competing for the database.
 * Completion is found by polling action_runs (a count per status, every `pollMs`, bounded by `timeoutMs`); the end
 * time comes from the rows themselves, so the poll interval does not round the wall time. Per run, from the change
 * log afterwards (no queries during the round beyond the poll): queue wait = claim row's `updatedAt` − enqueue
 * commit (live only), service = final `updatedAt` − claim row's `updatedAt`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, inArray, sql } from 'drizzle-orm';
import superjson from 'superjson';
import { actionRuns, syncChanges, syncCommits, type ActionRun } from '@/framework/server/schema';
import { startActionQueue } from '@/framework/server';
import { insertRun } from '@/framework/server';
import type { Runtime } from '@/framework/server';
import { ensureUser } from '@/framework/server';
import { epochNow, isTerminal } from './observe';
import { MAX_ATTEMPTS, TIDY_UP_INPUT } from './pickup';

export type Mode = 'live' | 'backlog';

export interface RoundOptions {
  mode: Mode;
  concurrency: number;
  runs: number;
  enqueuers: number;
  leaseMs: number;
  pollMs: number;
  timeoutMs: number;
}

export interface RoundResult {
  wallMs: number;
  perSecond: number;
  /** Enqueue commits per second while enqueueing (all `enqueuers` together). */
  enqueuePerSecond: number;
  succeeded: number;
  /** Runs that failed, were cancelled, or had not finished at the time limit. */
  failed: number;
  errors: string[];
  /** Per run, ms: claim − enqueue commit (live mode only). */
  waits: number[];
  /** Per run, ms: final row − claim. */
  services: number[];
}

export async function runRound(runtime: Runtime, options: RoundOptions): Promise<RoundResult> {
  const userId = (await ensureUser(runtime, randomUUID())).id;
  const enqueuedAt = new Map<string, number>();
  const enqueueAll = async () => {
    let next = 0;
    const enqueuer = async () => {
      while (next < options.runs) {
        next++;
        const run = await insertRun(runtime, userId, 'tidyUp', TIDY_UP_INPUT, MAX_ATTEMPTS);
        enqueuedAt.set(run.id, epochNow());
      }
    };
    const started = epochNow();
    await Promise.all(Array.from({ length: Math.min(options.enqueuers, options.runs) }, enqueuer));
    return options.runs / ((epochNow() - started) / 1000);
  };

  let queue: ReturnType<typeof startActionQueue> | null = null;
  let started: number;
  let enqueuePerSecond: number;
  try {
    if (options.mode === 'live') {
      queue = startActionQueue(runtime, { concurrency: options.concurrency, leaseMs: options.leaseMs });
      await sleep(50); // Its first (empty) claim loop, so that it is idle when the first run arrives.
      started = epochNow();
      enqueuePerSecond = await enqueueAll();
    } else {
      enqueuePerSecond = await enqueueAll();
      started = epochNow();
      queue = startActionQueue(runtime, { concurrency: options.concurrency, leaseMs: options.leaseMs });
    }
    await waitAllFinished(runtime, userId, options);
  } finally {
    await queue?.stop();
  }

  const rows = await runtime.db
    .select({
      id: actionRuns.id,
      status: actionRuns.status,
      updatedAt: actionRuns.updatedAt,
      error: actionRuns.error,
    })
    .from(actionRuns)
    .where(eq(actionRuns.ownerId, userId));
  const finished = rows.filter((row) => isTerminal(row.status));
  const succeeded = finished.filter((row) => row.status === 'succeeded');
  // The last final row; with none at all (every run still queued at the time limit), the time limit itself.
  const end = finished.reduce(
    (last, row) => Math.max(last, row.updatedAt.getTime()),
    Number.NEGATIVE_INFINITY,
  );
  const wallMs = Number.isFinite(end) ? end - started : epochNow() - started;
  const claims = await claimTimes(runtime, userId);
  const waits: number[] = [];
  const services: number[] = [];
  for (const row of succeeded) {
    const claimedAt = claims.get(row.id);
    const enqueued = enqueuedAt.get(row.id);
    if (claimedAt === undefined) continue;
    services.push(row.updatedAt.getTime() - claimedAt);
    if (options.mode === 'live' && enqueued !== undefined) waits.push(claimedAt - enqueued);
  }
  return {
    wallMs,
    perSecond: succeeded.length / (wallMs / 1000),
    enqueuePerSecond,
    succeeded: succeeded.length,
    failed: options.runs - succeeded.length,
    errors: [
      ...new Set(rows.flatMap((row) => (row.status === 'succeeded' || !row.error ? [] : [row.error]))),
    ],
    waits,
    services,
  };
}

/** Polls action_runs until every run of the user is terminal, or the time limit passes. */
async function waitAllFinished(runtime: Runtime, userId: string, options: RoundOptions): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    const [row] = await runtime.db
      .select({ count: sql<number>`count(*)::int` })
      .from(actionRuns)
      .where(
        and(eq(actionRuns.ownerId, userId), inArray(actionRuns.status, ['succeeded', 'failed', 'cancelled'])),
      );
    if ((row?.count ?? 0) >= options.runs) return;
    await sleep(options.pollMs);
  }
}

/** Each run's first claim (the claim row's `updatedAt`), read from the change log. */
async function claimTimes(runtime: Runtime, userId: string): Promise<Map<string, number>> {
  const rows = await runtime.db
    .select({ row: syncChanges.row })
    .from(syncChanges)
    .innerJoin(syncCommits, eq(syncCommits.version, syncChanges.version))
    .where(
      and(
        eq(syncCommits.mutator, 'system:claim'),
        eq(syncChanges.ownerId, userId),
        eq(syncChanges.tableName, 'actionRuns'),
      ),
    )
    .orderBy(syncChanges.version);
  const claims = new Map<string, number>();
  for (const { row } of rows) {
    if (!row) continue;
    const run = superjson.deserialize<ActionRun>(row as Parameters<typeof superjson.deserialize>[0]);
    if (!claims.has(run.id)) claims.set(run.id, run.updatedAt.getTime());
  }
  return claims;
}
