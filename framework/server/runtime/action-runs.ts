/**
 * The durable queue's storage: rows of the synced `action_runs` table, every status change committed through the
 * change log (so the UI shows progress and completion live). Claims use `FOR UPDATE SKIP LOCKED`: several workers
 * (and server processes) never take the same run, and a run whose lease expired (its process died) is taken over.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { and, asc, eq, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import { SpanKind } from '@opentelemetry/api';
import { actionRuns, type ActionRun } from '../schema';
import { rememberRunTrace } from '../telemetry/run-traces';
import { withSpan } from '../telemetry/tracing';
import { deleteRunSecrets, saveRunSecrets } from './action-secrets';
import { publishCommitted, recordCommit, type LogEntry } from './commit';
import type { Runtime } from './runtime';
import type { Queryable } from './synced-table';

type RunPatch = Partial<Omit<ActionRun, 'id' | 'ownerId' | 'action' | 'input' | 'createdAt'>>;

async function commitRunChange(
  runtime: Runtime,
  db: Queryable,
  run: ActionRun,
  label: string,
): Promise<LogEntry> {
  return recordCommit(
    runtime,
    db,
    { userId: run.ownerId, mutator: label, clientId: null, mutationId: null, error: null },
    [{ table: 'actionRuns', id: run.id, op: 'set', row: run, ownerId: run.ownerId }],
  );
}

/** A run that can no longer change: its secret input (if any) is deleted with that change. */
const FINISHED: ReadonlySet<ActionRun['status']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Inserts a queued run (its own commit). `input` is what the synced row shows; `secret` (the action's secret fields,
 * see action-secrets.ts) goes to the server-only table in the same transaction.
 */
export async function insertRun(
  runtime: Runtime,
  ownerId: string,
  action: string,
  input: unknown,
  maxAttempts: number,
  secret: Record<string, unknown> | null = null,
): Promise<ActionRun> {
  return withSpan(`enqueue ${action}`, { kind: SpanKind.PRODUCER }, async (span) => {
    const run = await runtime.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(actionRuns)
        .values({ id: crypto.randomUUID(), ownerId, action, input: input ?? null, maxAttempts })
        .returning();
      if (!row) throw new Error('insert into action_runs returned nothing');
      await saveRunSecrets(tx, row.id, secret);
      await rememberRunTrace(tx, row.id);
      return { row, entry: await commitRunChange(runtime, tx, row, 'system:enqueue') };
    });
    span.setAttribute('action_run.id', run.row.id);
    publishCommitted(runtime, run.entry);
    return run.row;
  });
}

/**
 * A worker's claim on a run: the run's `attempts` right after the claim. Each claim increments it, so a worker whose
 * lease lapsed and was taken over holds a number that no longer matches, and its writes match no row (fencing).
 */
export interface RunClaim {
  id: string;
  attempts: number;
}

/** The condition a worker's write carries: the run is still running under this very claim. */
function heldBy(claim: RunClaim) {
  return and(
    eq(actionRuns.id, claim.id),
    eq(actionRuns.status, 'running'),
    eq(actionRuns.attempts, claim.attempts),
  );
}

/**
 * Updates a run and commits the change; returns the new row, or null when the condition failed. `only.status`
 * writes only while the run has that status; `only.claim` only while that claim still holds (a worker's writes:
 * a stale worker's are refused).
 */
export async function updateRun(
  runtime: Runtime,
  id: string,
  patch: RunPatch,
  only?: { status?: ActionRun['status']; claim?: RunClaim },
): Promise<ActionRun | null> {
  const run = await runtime.db.transaction(async (tx) => {
    const [row] = await tx
      .update(actionRuns)
      .set({ ...patch, updatedAt: new Date() })
      .where(
        and(
          eq(actionRuns.id, id),
          only?.status ? eq(actionRuns.status, only.status) : undefined,
          only?.claim ? heldBy(only.claim) : undefined,
        ),
      )
      .returning();
    if (!row) return null;
    if (FINISHED.has(row.status)) await deleteRunSecrets(tx, row.id);
    return { row, entry: await commitRunChange(runtime, tx, row, 'system:run') };
  });
  if (!run) return null;
  publishCommitted(runtime, run.entry);
  return run.row;
}

/** What a heartbeat found: the claim still holds (lease extended), a cancel was requested, or the claim is lost. */
export type LeaseState = 'held' | 'cancel-requested' | 'lost';

/**
 * Extends a claim's lease, if the claim still holds. Server-side bookkeeping, not a change anyone needs to see:
 * it writes `lease_until` only, outside the change log (no commit, no feed message, no poke).
 */
export async function extendLease(runtime: Runtime, claim: RunClaim, leaseMs: number): Promise<LeaseState> {
  const [row] = await runtime.db
    .update(actionRuns)
    .set({ leaseUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
    .where(heldBy(claim))
    .returning({ cancelRequested: actionRuns.cancelRequested });
  if (!row) return 'lost';
  return row.cancelRequested ? 'cancel-requested' : 'held';
}

/**
 * Inside a transaction: refuses (throws {@link LeaseLostError}) unless the claim still holds, and keeps it holding
 * until the transaction ends (FOR SHARE: a takeover's claim skips the locked row until then). A worker's
 * `ctx.mutate` runs this in the mutation's own transaction, so a stale worker's writes never commit.
 */
export async function assertClaimHeld(db: Queryable, claim: RunClaim): Promise<void> {
  const [row] = await db.select({ id: actionRuns.id }).from(actionRuns).where(heldBy(claim)).for('share');
  if (!row) throw new LeaseLostError(claim);
}

/** A worker's claim on a run is gone (its lease lapsed and another worker took the run over, or the run ended). */
export class LeaseLostError extends TRPCError {
  constructor(readonly claim: RunClaim) {
    // CONFLICT: another worker owns the run now; this one must stop, and nothing of its write was kept.
    super({
      code: 'CONFLICT',
      message: `Run ${claim.id} is no longer held by this worker (its attempt ${claim.attempts} was taken over)`,
    });
    this.name = 'LeaseLostError';
  }
}

/** Claims the next due run (queued and due, or running with an expired lease), or returns null. */
export async function claimNextRun(
  runtime: Runtime,
  leaseMs: number,
  /**
   * Runs this worker is executing itself. Their lease can look lapsed when a heartbeat waits behind a backlog of
   * commits (PGlite has one connection); taking them over here would only run them twice in this very worker.
   */
  executing: readonly string[] = [],
): Promise<ActionRun | null> {
  const run = await runtime.db.transaction(async (tx) => {
    const now = sql`now()`;
    const lapsed = and(eq(actionRuns.status, 'running'), lt(actionRuns.leaseUntil, now));
    const [candidate] = await tx
      .select({ id: actionRuns.id })
      .from(actionRuns)
      .where(
        or(
          and(eq(actionRuns.status, 'queued'), lte(actionRuns.runAfter, now)),
          executing.length > 0 ? and(lapsed, notInArray(actionRuns.id, [...executing])) : lapsed,
        ),
      )
      .orderBy(asc(actionRuns.runAfter))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!candidate) return null;
    const [row] = await tx
      .update(actionRuns)
      .set({
        status: 'running',
        attempts: sql`${actionRuns.attempts} + 1`,
        leaseUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
        updatedAt: new Date(),
      })
      .where(eq(actionRuns.id, candidate.id))
      .returning();
    if (!row) return null;
    return { row, entry: await commitRunChange(runtime, tx, row, 'system:claim') };
  });
  if (!run) return null;
  publishCommitted(runtime, run.entry);
  return run.row;
}

/** When the next queued run becomes due (for the worker's timer), or null when none is waiting. */
export async function nextDueAt(runtime: Runtime): Promise<Date | null> {
  const [row] = await runtime.db
    .select({
      at: sql<Date>`min(coalesce(case when ${actionRuns.status} = 'running' then ${actionRuns.leaseUntil} end, ${actionRuns.runAfter}))`,
    })
    .from(actionRuns)
    .where(or(eq(actionRuns.status, 'queued'), eq(actionRuns.status, 'running')));
  return row?.at ? new Date(row.at) : null;
}
