/**
 * Retention (docs/architecture.md rule 12): every table that grows with use is pruned past a window, by a job in the
 * server process (started with the queue, server/instance.ts).
 * - The change log (sync_commits, sync_changes): the oldest commits beyond the latest `logKeepVersions` versions, or
 *   older than `logMaxAgeMs`, are deleted — always a prefix in version order, so the log's floor (change-log.ts
 *   logFloor) says exactly what is left. A subscriber whose cursor is below the floor gets a `reset` and a fresh
 *   snapshot (change-stream.ts) instead of a catch-up.
 * - client_mutations: clients idle for longer than `clientIdleMs` are forgotten. A forgotten client that comes back
 *   with mutation n > 1 is refused without consuming anything (CONFLICT, "expected 1", client-mutations.ts claim),
 *   and starts over (a new client id, or its pending mutations renumbered from 1 after a re-sync).
 * - action_runs: finished runs (succeeded, failed, cancelled) older than `finishedRunsMs`. They go without a change
 *   in the log: a tab that shows them keeps them until its next snapshot, which no longer has them.
 * Work is done in small batches, each its own short transaction, that never touch the rows commits write (the
 * version counter, the newest log rows) and skip rows a mutation holds. On PostgreSQL with several processes one
 * process works at a time: each batch takes a transaction-scoped advisory lock, and a process that cannot get it
 * leaves the pass to the one that has it.
 */
import 'server-only';
import { and, asc, inArray, lt, sql } from 'drizzle-orm';
import { actionRuns, clientMutations, syncChanges, syncCommits } from '../schema';
import { currentVersion } from './change-log';
import type { Runtime } from './runtime';
import type { Queryable } from './synced-table';

export interface RetentionOptions {
  /** Log versions always kept (the newest ones). */
  logKeepVersions: number;
  /** Log commits older than this are deleted even within `logKeepVersions`. */
  logMaxAgeMs: number;
  /** Client ids (client_mutations rows) idle for longer than this are forgotten. */
  clientIdleMs: number;
  /** Finished action runs are deleted this long after they finished. */
  finishedRunsMs: number;
  /** Rows (log commits, clients, runs) deleted per transaction. */
  batchSize: number;
  /** Time between passes of the job. */
  intervalMs: number;
}

const DAY = 24 * 60 * 60 * 1000;

/** The defaults (also documented in .env.example). */
export const DEFAULT_RETENTION: RetentionOptions = {
  logKeepVersions: 100_000,
  logMaxAgeMs: 7 * DAY,
  clientIdleMs: 30 * DAY,
  finishedRunsMs: 7 * DAY,
  batchSize: 1_000,
  intervalMs: 60_000,
};

/** What one pass deleted; `skipped` when another process held the retention lock. */
export interface RetentionReport {
  skipped: boolean;
  logCommits: number;
  clients: number;
  runs: number;
  /** The log's floor after the pass (every version above it is still in the log). */
  compactedThrough: number;
}

/** Any fixed number: the key of the advisory lock that lets one process at a time do retention work. */
export const RETENTION_LOCK = 1_202_612_006;

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

/** Thrown inside a batch's transaction when another process holds the lock: nothing of that batch is done. */
class LockedElsewhere extends Error {}

/**
 * One batch, in its own transaction, under the retention lock; returns how many rows it deleted. Batches are
 * separate transactions so that no lock is held for long and, on PGlite (one connection), requests run between them.
 */
async function batch(runtime: Runtime, work: (tx: Queryable) => Promise<number>): Promise<number> {
  const deleted = await runtime.db.transaction(async (tx) => {
    const result = await tx.execute<{ locked: boolean }>(
      sql`select pg_try_advisory_xact_lock(${RETENTION_LOCK}) as locked`,
    );
    if (!result.rows[0]?.locked) throw new LockedElsewhere();
    return work(tx);
  });
  // PGlite answers without yielding to the event loop: let waiting requests run between batches.
  await new Promise((resolve) => setImmediate(resolve));
  return deleted;
}

/**
 * Deletes the oldest log commits (and their changes) past the window, one prefix of at most `batchSize` commits.
 * Reads the oldest commits by primary key and keeps deleting while they are past the window: the first commit
 * inside the window stops it, so what remains is always the log above a floor.
 */
async function compactLogBatch(tx: Queryable, options: RetentionOptions): Promise<number> {
  const head = await currentVersion(tx);
  const keepFrom = head - options.logKeepVersions; // versions <= keepFrom are past the count window
  const oldest = await tx
    .select({
      version: syncCommits.version,
      old: sql<boolean>`${syncCommits.committedAt} < now() - make_interval(secs => ${options.logMaxAgeMs / 1000})`,
    })
    .from(syncCommits)
    .orderBy(asc(syncCommits.version))
    .limit(options.batchSize);
  let through: number | null = null;
  for (const commit of oldest) {
    if (commit.version > keepFrom && !commit.old) break;
    through = commit.version;
  }
  if (through === null) return 0;
  // Changes first, then commits, in one transaction: readers see the whole prefix gone or none of it.
  await tx.delete(syncChanges).where(sql`${syncChanges.version} <= ${through}`);
  const removed = await tx
    .delete(syncCommits)
    .where(sql`${syncCommits.version} <= ${through}`)
    .returning({ version: syncCommits.version });
  return removed.length;
}

async function pruneClientsBatch(tx: Queryable, options: RetentionOptions): Promise<number> {
  // SKIP LOCKED: a client whose mutation is committing right now is not idle; leave it.
  const idle = tx
    .select({ userId: clientMutations.userId, clientId: clientMutations.clientId })
    .from(clientMutations)
    .where(lt(clientMutations.updatedAt, sql`now() - make_interval(secs => ${options.clientIdleMs / 1000})`))
    .limit(options.batchSize)
    .for('update', { skipLocked: true });
  const removed = await tx
    .delete(clientMutations)
    .where(sql`(${clientMutations.userId}, ${clientMutations.clientId}) in (${idle})`)
    .returning({ userId: clientMutations.userId });
  return removed.length;
}

async function pruneRunsBatch(tx: Queryable, options: RetentionOptions): Promise<number> {
  const old = tx
    .select({ id: actionRuns.id })
    .from(actionRuns)
    .where(
      and(
        inArray(actionRuns.status, [...FINISHED]),
        lt(actionRuns.updatedAt, sql`now() - make_interval(secs => ${options.finishedRunsMs / 1000})`),
      ),
    )
    .limit(options.batchSize)
    .for('update', { skipLocked: true });
  const removed = await tx
    .delete(actionRuns)
    .where(inArray(actionRuns.id, old))
    .returning({ id: actionRuns.id });
  return removed.length;
}

/**
 * One retention pass: log compaction, then idle clients, then finished runs, each in batches until a batch finds
 * less than a full batch to delete (or `signal` aborts).
 */
export async function runRetentionPass(
  runtime: Runtime,
  options: RetentionOptions = DEFAULT_RETENTION,
  signal?: AbortSignal,
): Promise<RetentionReport> {
  const report: RetentionReport = { skipped: false, logCommits: 0, clients: 0, runs: 0, compactedThrough: 0 };
  const drain = async (work: (tx: Queryable) => Promise<number>) => {
    let total = 0;
    for (;;) {
      if (signal?.aborted) return total;
      const deleted = await batch(runtime, (tx) => work(tx));
      total += deleted;
      if (deleted < options.batchSize) return total;
    }
  };
  try {
    report.logCommits = await drain((tx) => compactLogBatch(tx, options));
    report.clients = await drain((tx) => pruneClientsBatch(tx, options));
    report.runs = await drain((tx) => pruneRunsBatch(tx, options));
  } catch (error) {
    if (!(error instanceof LockedElsewhere)) throw error;
    report.skipped = true;
  }
  // Deleted rows' space is reused only after a VACUUM. PGlite runs no autovacuum at all, and PostgreSQL's waits for
  // a fifth of a table to be dead (and a minute between runs): without this the files grow regardless. Plain
  // VACUUM takes no lock that blocks reads or writes; the space is reused, not returned to the OS.
  if (!report.skipped && report.logCommits + report.clients + report.runs > 0 && !signal?.aborted)
    await runtime.db.execute(sql`vacuum ${syncCommits}, ${syncChanges}, ${clientMutations}, ${actionRuns}`);
  const [first] = await runtime.db
    .select({ version: syncCommits.version })
    .from(syncCommits)
    .orderBy(asc(syncCommits.version))
    .limit(1);
  report.compactedThrough = first ? first.version - 1 : await currentVersion(runtime.db);
  return report;
}

export interface RetentionJob {
  /** Runs a pass now (or waits for the one in progress); resolves with its report. */
  runNow(): Promise<RetentionReport>;
  /** Stops the timer and waits for a pass in progress to finish its current batch. */
  stop(): Promise<void>;
}

/** Runs {@link runRetentionPass} every `intervalMs` (the first pass right away), until stopped or shutdown. */
export function startRetention(runtime: Runtime, overrides: Partial<RetentionOptions> = {}): RetentionJob {
  const options = { ...DEFAULT_RETENTION, ...overrides };
  const stopping = new AbortController();
  let running: Promise<RetentionReport> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const pass = (): Promise<RetentionReport> => {
    running ??= runRetentionPass(runtime, options, stopping.signal).finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () => {
    if (stopping.signal.aborted || runtime.shutdownSignal.aborted) return;
    pass()
      .catch((error: unknown) => {
        // A pass cut off by shutdown (the database closing) is expected; anything else is worth a line in the log.
        if (!stopping.signal.aborted && !runtime.shutdownSignal.aborted)
          console.error('[retention] a retention pass failed:', error);
      })
      .finally(() => {
        if (stopping.signal.aborted || runtime.shutdownSignal.aborted) return;
        timer = setTimeout(tick, options.intervalMs);
        timer.unref();
      });
  };
  timer = setTimeout(tick, 0);
  timer.unref();

  return {
    runNow: pass,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      // Its failure, if any, was already logged by `tick` (or reported to whoever called runNow).
      await running?.catch(() => undefined);
    },
  };
}
