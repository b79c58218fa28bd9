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
import { clientMutations, syncChanges, syncCommits, syncState } from '@/db/schema';
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

/**
 * Appends one commit and its changes under the next version, in ONE statement (data-modifying CTEs): bump the
 * counter (taking its row lock until COMMIT, which is what orders versions by commit), insert the commit, insert
 * the changes, and for a client's numbered mutation record it as the client's last (its `client_mutations` row was
 * claimed and locked earlier in the transaction). Call it last in the transaction, so the lock is held as briefly
 * as possible.
 */
export async function appendCommit(
  db: Queryable,
  commit: Omit<FeedCommit, 'version'> & { mutator: string },
  changes: RecordedChange[],
): Promise<number> {
  const rows = JSON.stringify(
    changes.map((change, seq) => ({
      seq,
      table_name: change.table,
      row_id: change.id,
      op: change.op,
      // superjson keeps Dates (and other non-JSON values) intact through jsonb.
      row: change.row ? superjson.serialize(change.row) : null,
      owner_id: change.ownerId,
    })),
  );
  const error = commit.error === null ? null : JSON.stringify(commit.error);
  const recordClientMutation =
    commit.clientId === null || commit.mutationId === null
      ? sql``
      : sql`, client as (
      update ${clientMutations}
      set last_mutation_id = ${commit.mutationId}, last_error = ${error}::jsonb, updated_at = ${new Date()}
      where user_id = ${commit.userId} and client_id = ${commit.clientId}
      returning 1
    )`;
  const result = await db.execute<{ version: number | string }>(sql`
    with next as (
      insert into ${syncState} (id, version) values (${COUNTER_ID}, 1)
      on conflict (id) do update set version = ${syncState}.version + 1
      returning version
    ), commit as (
      insert into ${syncCommits} (version, user_id, mutator, client_id, mutation_id, error)
      select version, ${commit.userId}, ${commit.mutator}, ${commit.clientId}, ${commit.mutationId},
             ${error}::jsonb
      from next
      returning version
    ), changes as (
      insert into ${syncChanges} (version, seq, table_name, row_id, op, row, owner_id)
      select commit.version, c.seq, c.table_name, c.row_id, c.op, c.row, c.owner_id
      from commit, jsonb_to_recordset(${rows}::jsonb)
        as c(seq int, table_name text, row_id uuid, op text, row jsonb, owner_id uuid)
      returning 1
    )${recordClientMutation}
    select version from commit`);
  const version = result.rows[0]?.version;
  if (version === undefined) throw new Error('appending to the change log returned no version');
  return Number(version); // bigint arrives as a string from node-postgres
}

/** The latest committed version (0 for an empty log). */
export async function currentVersion(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ version: syncState.version })
    .from(syncState)
    .where(eq(syncState.id, COUNTER_ID));
  return row?.version ?? 0;
}

/** One user's commits and changes with `after < version <= upTo`, in version order (a catch-up read). */
export async function readUserLog(
  db: Queryable,
  range: { after: number; upTo: number; userId: string },
): Promise<{ commits: FeedCommit[]; changes: FeedChange[] }> {
  if (range.upTo <= range.after) return { commits: [], changes: [] };
  const commitRows = await db
    .select()
    .from(syncCommits)
    .where(
      and(
        gt(syncCommits.version, range.after),
        lte(syncCommits.version, range.upTo),
        eq(syncCommits.userId, range.userId),
      ),
    )
    .orderBy(asc(syncCommits.version));
  const changeRows = await db
    .select()
    .from(syncChanges)
    .where(
      and(
        gt(syncChanges.version, range.after),
        lte(syncChanges.version, range.upTo),
        eq(syncChanges.ownerId, range.userId),
      ),
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
