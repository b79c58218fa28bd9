/**
 * Carries a trace from an action run's enqueue to its execution, which may happen later and in another process (a
 * worker): the enqueuing span's traceparent is stored beside the run in the server-only `action_run_traces` table,
 * in the same transaction as the run, and the queue parents the run's span on it.
 */
import 'server-only';
import { eq } from 'drizzle-orm';
import { actionRunTraces } from '../schema';
import type { Queryable } from '../runtime/synced-table';
import { currentTraceParent } from './tracing';

/** Stores the active span's traceparent for `runId`; writes nothing when tracing is off. */
export async function rememberRunTrace(db: Queryable, runId: string): Promise<void> {
  const traceParent = currentTraceParent();
  if (traceParent) await db.insert(actionRunTraces).values({ runId, traceParent });
}

/** The traceparent stored for `runId`, or null (tracing was off when it was enqueued). */
export async function runTraceParent(db: Queryable, runId: string): Promise<string | null> {
  const [row] = await db
    .select({ traceParent: actionRunTraces.traceParent })
    .from(actionRunTraces)
    .where(eq(actionRunTraces.runId, runId));
  return row?.traceParent ?? null;
}
