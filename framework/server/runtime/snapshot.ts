/**
 * A consistent snapshot of a user's synced rows and the log version they correspond to (the start of a feed).
 * Action runs are capped (docs/architecture.md rule 12): every unfinished run, and only the latest finished ones.
 */
import 'server-only';
import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import { actionRuns, clientMutations } from '../schema';
import type { Snapshot, SyncedTablesData } from '../../shared/sync-protocol';
import { currentVersion } from './change-log';
import type { Runtime } from './runtime';
import { listOwnedRows, type AnyRow, type Queryable } from './synced-table';

/** Finished runs a snapshot carries per user (the most recent ones); unfinished runs are always all there. */
export const SNAPSHOT_FINISHED_RUNS = 50;

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

/** Reads a user's snapshot; with `clientId`, also that client's last mutation id as of the same moment. */
export function readSnapshot(runtime: Runtime, userId: string, clientId?: string | null): Promise<Snapshot> {
  // Repeatable read: the version and every table are read from one database snapshot.
  return runtime.db.transaction(
    async (tx) => {
      const version = await currentVersion(tx);
      const client = clientId
        ? { client: { id: clientId, lastMutationId: await lastMutationId(tx, userId, clientId) } }
        : {};
      const tables: Record<string, unknown[]> = {};
      for (const [name, config] of Object.entries(runtime.app.tables))
        tables[name] =
          config.table === actionRuns
            ? await listRecentRuns(tx, userId)
            : await listOwnedRows(tx, config, userId);
      return { version, userId, tables: tables as SyncedTablesData, layout: runtime.app.layout, ...client };
    },
    { isolationLevel: 'repeatable read' },
  );
}

async function lastMutationId(db: Queryable, userId: string, clientId: string): Promise<number> {
  const [row] = await db
    .select({ last: clientMutations.lastMutationId })
    .from(clientMutations)
    .where(and(eq(clientMutations.userId, userId), eq(clientMutations.clientId, clientId)));
  return row?.last ?? 0;
}

/** Every unfinished run of the user and its latest finished ones, oldest first (as listOwnedRows orders runs). */
async function listRecentRuns(db: Queryable, userId: string): Promise<AnyRow[]> {
  const unfinished = await db
    .select()
    .from(actionRuns)
    .where(and(eq(actionRuns.ownerId, userId), notInArray(actionRuns.status, [...FINISHED])));
  const finished = await db
    .select()
    .from(actionRuns)
    .where(and(eq(actionRuns.ownerId, userId), inArray(actionRuns.status, [...FINISHED])))
    .orderBy(desc(actionRuns.createdAt), desc(actionRuns.id))
    .limit(SNAPSHOT_FINISHED_RUNS);
  return [...unfinished, ...finished].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  ) as AnyRow[];
}
