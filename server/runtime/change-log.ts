/**
 * The change log: what committed, in which order. Written in the mutation's own transaction; read by the feed.
 *
 * Ordering (DESIGN.md rule 3): a plain sequence is not enough on PostgreSQL, because a transaction that took
 * version 11 can commit after one that took 12, and a reader at 12 would skip 11 forever. Here the version comes
 * from a single counter row that each transaction increments as its last step; the row lock is held until commit,
 * so the next writer gets its version only after this one is visible. Versions are therefore visible in commit
 * order, without gaps. Only that final step is serialized; the mutators themselves run concurrently.
 */
import 'server-only';
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import superjson from 'superjson';
import { syncChanges, syncCommits, syncState } from '@/db/schema';
import type { SyncedTableName } from '@/mutators/synced-tables';
import type { RecordedChange } from './server-transaction';
import type { AnyRow, Queryable } from './synced-table';

/** The counter row's id: there is exactly one. */
const COUNTER_ID = 1;

/** What the feed carries for one commit that a user may see. */
export interface FeedCommit {
  version: number;
  userId: string;
  clientId: string | null;
  mutationId: number | null;
  error: { code: string; message: string } | null;
}

/** One row-level change as the feed carries it. */
export interface FeedChange {
  version: number;
  table: SyncedTableName;
  id: string;
  op: 'set' | 'delete';
  row: AnyRow | null;
  ownerId: string;
}

/** Takes the next version. Call it last in the transaction: it holds the counter's row lock until commit. */
export async function takeNextVersion(db: Queryable): Promise<number> {
  const [row] = await db
    .insert(syncState)
    .values({ id: COUNTER_ID, version: 1 })
    .onConflictDoUpdate({ target: syncState.id, set: { version: sql`${syncState.version} + 1` } })
    .returning({ version: syncState.version });
  if (!row) throw new Error('sync_state counter did not return a version');
  return row.version;
}

/** The latest committed version (0 for an empty log). */
export async function currentVersion(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ version: syncState.version })
    .from(syncState)
    .where(eq(syncState.id, COUNTER_ID));
  return row?.version ?? 0;
}

/** Writes one commit and its changes under `version` (inside the mutation's transaction). */
export async function writeCommit(
  db: Queryable,
  version: number,
  commit: Omit<FeedCommit, 'version'> & { mutator: string },
  changes: RecordedChange[],
): Promise<void> {
  await db.insert(syncCommits).values({ version, ...commit });
  if (changes.length === 0) return;
  await db.insert(syncChanges).values(
    changes.map((change, seq) => ({
      version,
      seq,
      tableName: change.table,
      rowId: change.id,
      op: change.op,
      // superjson keeps Dates (and other non-JSON values) intact through jsonb.
      row: change.row ? superjson.serialize(change.row) : null,
      ownerId: change.ownerId,
    })),
  );
}

/**
 * Commits and changes with `after < version <= upTo`, optionally only those a user may see, in version order.
 */
export async function readLog(
  db: Queryable,
  range: { after: number; upTo: number; userId?: string },
): Promise<{ commits: FeedCommit[]; changes: FeedChange[] }> {
  if (range.upTo <= range.after) return { commits: [], changes: [] };
  const inRange = (column: typeof syncCommits.version | typeof syncChanges.version) =>
    and(gt(column, range.after), lte(column, range.upTo));
  const commitRows = await db
    .select()
    .from(syncCommits)
    .where(
      range.userId
        ? and(inRange(syncCommits.version), eq(syncCommits.userId, range.userId))
        : inRange(syncCommits.version),
    )
    .orderBy(asc(syncCommits.version));
  const changeRows = await db
    .select()
    .from(syncChanges)
    .where(
      range.userId
        ? and(inRange(syncChanges.version), eq(syncChanges.ownerId, range.userId))
        : inRange(syncChanges.version),
    )
    .orderBy(asc(syncChanges.version), asc(syncChanges.seq));
  return { commits: commitRows.map(toFeedCommit), changes: changeRows.map(toFeedChange) };
}

function toFeedCommit(row: typeof syncCommits.$inferSelect): FeedCommit {
  return {
    version: row.version,
    userId: row.userId,
    clientId: row.clientId,
    mutationId: row.mutationId,
    error: row.error ?? null,
  };
}

function toFeedChange(row: typeof syncChanges.$inferSelect): FeedChange {
  return {
    version: row.version,
    table: row.tableName as SyncedTableName,
    id: row.rowId,
    op: row.op,
    row: row.row
      ? superjson.deserialize<AnyRow>(row.row as Parameters<typeof superjson.deserialize>[0])
      : null,
    ownerId: row.ownerId,
  };
}

/** The highest version present in the log up to `limit` versions after `after` (to read the log in pages). */
export async function pageEnd(db: Queryable, after: number, limit: number): Promise<number | null> {
  const rows = await db
    .select({ version: syncCommits.version })
    .from(syncCommits)
    .where(gt(syncCommits.version, after))
    .orderBy(asc(syncCommits.version))
    .limit(limit);
  return rows.at(-1)?.version ?? null;
}

/**
 * The next page of the whole log after `after` (at most `limit` commits, with their changes), or null when there is
 * nothing new. Two queries: the commits, then the changes in their version range.
 */
export async function readLogPage(
  db: Queryable,
  after: number,
  limit: number,
): Promise<{ upTo: number; commits: FeedCommit[]; changes: FeedChange[] } | null> {
  const commitRows = await db
    .select()
    .from(syncCommits)
    .where(gt(syncCommits.version, after))
    .orderBy(asc(syncCommits.version))
    .limit(limit);
  const last = commitRows.at(-1);
  if (!last) return null;
  const changeRows = await db
    .select()
    .from(syncChanges)
    .where(and(gt(syncChanges.version, after), lte(syncChanges.version, last.version)))
    .orderBy(asc(syncChanges.version), asc(syncChanges.seq));
  return { upTo: last.version, commits: commitRows.map(toFeedCommit), changes: changeRows.map(toFeedChange) };
}
