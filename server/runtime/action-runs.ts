/**
 * The durable queue's storage: rows of the synced `action_runs` table, every status change committed through the
 * change log (so the UI shows progress and completion live). Claims use `FOR UPDATE SKIP LOCKED`: several workers
 * (and server processes) never take the same run, and a run whose lease expired (its process died) is taken over.
 */
import 'server-only';
import { and, asc, eq, lt, lte, or, sql } from 'drizzle-orm';
import { SpanKind } from '@opentelemetry/api';
import { actionRuns, type ActionRun } from '@/db/schema';
import { rememberRunTrace } from '../telemetry/run-traces';
import { withSpan } from '../telemetry/tracing';
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

/** Inserts a queued run (its own commit). */
export async function insertRun(
  runtime: Runtime,
  ownerId: string,
  action: string,
  input: unknown,
  maxAttempts: number,
): Promise<ActionRun> {
  return withSpan(`enqueue ${action}`, { kind: SpanKind.PRODUCER }, async (span) => {
    const run = await runtime.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(actionRuns)
        .values({ id: crypto.randomUUID(), ownerId, action, input: input ?? null, maxAttempts })
        .returning();
      if (!row) throw new Error('insert into action_runs returned nothing');
      await rememberRunTrace(tx, row.id);
      return { row, entry: await commitRunChange(runtime, tx, row, 'system:enqueue') };
    });
    span.setAttribute('action_run.id', run.row.id);
    publishCommitted(runtime, run.entry);
    return run.row;
  });
}

/** Updates a run (optionally only while `where` holds) and commits the change; returns the new row, or null. */
export async function updateRun(
  runtime: Runtime,
  id: string,
  patch: RunPatch,
  only?: { status?: ActionRun['status'] },
): Promise<ActionRun | null> {
  const run = await runtime.db.transaction(async (tx) => {
    const [row] = await tx
      .update(actionRuns)
      .set({ ...patch, updatedAt: new Date() })
      .where(
        only?.status ? and(eq(actionRuns.id, id), eq(actionRuns.status, only.status)) : eq(actionRuns.id, id),
      )
      .returning();
    if (!row) return null;
    return { row, entry: await commitRunChange(runtime, tx, row, 'system:run') };
  });
  if (!run) return null;
  publishCommitted(runtime, run.entry);
  return run.row;
}

/** Claims the next due run (queued and due, or running with an expired lease), or returns null. */
export async function claimNextRun(runtime: Runtime, leaseMs: number): Promise<ActionRun | null> {
  const run = await runtime.db.transaction(async (tx) => {
    const now = sql`now()`;
    const [candidate] = await tx
      .select({ id: actionRuns.id })
      .from(actionRuns)
      .where(
        or(
          and(eq(actionRuns.status, 'queued'), lte(actionRuns.runAfter, now)),
          and(eq(actionRuns.status, 'running'), lt(actionRuns.leaseUntil, now)),
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
