/**
 * The change log: what committed, in which order. Written in the mutation's own transaction; read by the feed.
 *
 * Ordering (docs/architecture.md rule 3): a plain sequence is not enough on PostgreSQL, because a transaction that
 * took version 11 can commit after one that took 12, and a reader at 12 would skip 11 forever. Here the version
 * comes from a single counter row that each transaction increments as its last step; the row lock is held until
 * commit, so the next writer gets its version only after this one is visible. Versions are therefore visible in
 * commit order, without gaps. Only that final step is serialized; the mutators themselves run concurrently.
 */
import 'server-only';
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import superjson from 'superjson';
import { clientMutations, syncChanges, syncCommits, syncState } from '../schema';
import { clientKey } from './client-mutations';
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
  table: string;
  id: string;
  op: 'set' | 'delete';
  row: AnyRow | null;
  ownerId: string;
}

/** One commit to append: who and what (its version is assigned by `appendCommits`), and its row changes. */
export interface NewCommit {
  commit: Omit<FeedCommit, 'version'> & { mutator: string };
  changes: RecordedChange[];
}

/**
 * Appends commits and their changes under the next versions (consecutive, in the given order), in ONE statement
 * (data-modifying CTEs): bump the counter (taking its row lock until COMMIT, which is what orders versions by
 * commit), insert the commits, insert the changes, and for each client's numbered mutation record it as that
 * client's last (its `client_mutations` row was claimed and locked earlier in the transaction). Call it last in the
 * transaction, so the lock is held as briefly as possible. With `notify`, the same statement also sends
 * `pg_notify(channel, '<token>:<last version>')` (PostgreSQL delivers it only if the transaction commits). Returns
 * the versions, in order.
 */
export async function appendCommits(
  db: Queryable,
  commits: NewCommit[],
  notify?: { channel: string; token: string },
): Promise<number[]> {
  const count = commits.length;
  if (count === 0) return [];
  // `ord` numbers the commits 1…count; commit i gets version (new counter value − count + ord).
  const commitRows = commits.map(({ commit }, index) => ({
    ord: index + 1,
    user_id: commit.userId,
    mutator: commit.mutator,
    client_id: commit.clientId,
    mutation_id: commit.mutationId,
    error: commit.error,
  }));
  const changeRows = commits.flatMap(({ changes }, index) =>
    changes.map((change, seq) => ({
      ord: index + 1,
      seq,
      table_name: change.table,
      row_id: change.id,
      op: change.op,
      // superjson keeps Dates (and other non-JSON values) intact through jsonb.
      row: change.row ? superjson.serialize(change.row) : null,
      owner_id: change.ownerId,
    })),
  );
  // One row per client, its last mutation here (an UPDATE … FROM would apply only one of several matches).
  const lastPerClient = new Map<
    string,
    { user_id: string; client_id: string; mutation_id: number; error: unknown }
  >();
  for (const { commit } of commits) {
    if (commit.clientId === null || commit.mutationId === null) continue;
    lastPerClient.set(clientKey(commit.userId, commit.clientId), {
      user_id: commit.userId,
      client_id: commit.clientId,
      mutation_id: commit.mutationId,
      error: commit.error,
    });
  }
  const recordClientMutations =
    lastPerClient.size === 0
      ? sql``
      : sql`, clients as (
      update ${clientMutations} as m
      set last_mutation_id = c.mutation_id, last_error = c.error, updated_at = ${new Date()}
      from jsonb_to_recordset(${JSON.stringify([...lastPerClient.values()])}::jsonb)
        as c(user_id uuid, client_id text, mutation_id bigint, error jsonb)
      where m.user_id = c.user_id and m.client_id = c.client_id
      returning 1
    )`;
  const result = await db.execute<{ version: number | string }>(sql`
    with next as (
      insert into ${syncState} (id, version) values (${COUNTER_ID}, ${count})
      on conflict (id) do update set version = ${syncState}.version + ${count}
      returning version
    ), commits as (
      insert into ${syncCommits} (version, user_id, mutator, client_id, mutation_id, error)
      select next.version - ${count} + c.ord, c.user_id, c.mutator, c.client_id, c.mutation_id, c.error
      from next, jsonb_to_recordset(${JSON.stringify(commitRows)}::jsonb)
        as c(ord int, user_id uuid, mutator text, client_id text, mutation_id bigint, error jsonb)
      returning 1
    ), changes as (
      insert into ${syncChanges} (version, seq, table_name, row_id, op, row, owner_id)
      select next.version - ${count} + c.ord, c.seq, c.table_name, c.row_id, c.op, c.row, c.owner_id
      from next, jsonb_to_recordset(${JSON.stringify(changeRows)}::jsonb)
        as c(ord int, seq int, table_name text, row_id uuid, op text, row jsonb, owner_id uuid)
      returning 1
    )${recordClientMutations}
    select version${notify ? sql`, pg_notify(${notify.channel}, ${`${notify.token}:`} || version) as notified` : sql``}
    from next`);
  const last = result.rows[0]?.version;
  if (last === undefined) throw new Error('appending to the change log returned no version');
  const lastVersion = Number(last); // bigint arrives as a string from node-postgres
  return commits.map((_, index) => lastVersion - count + 1 + index);
}

/** The latest committed version (0 for an empty log). */
export async function currentVersion(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ version: syncState.version })
    .from(syncState)
    .where(eq(syncState.id, COUNTER_ID));
  return row?.version ?? 0;
}

/**
 * The log's floor: every version above it is still in the log; versions at or below it may have been compacted away
 * (framework/server/runtime/retention.ts deletes the oldest commits, always a prefix). A reader whose cursor is below the
 * floor cannot catch up from the log and starts over from a snapshot. 0 for a log never compacted.
 */
export async function logFloor(db: Queryable): Promise<number> {
  const result = await db.execute<{ floor: number | string }>(sql`
    select coalesce(
      (select min(${syncCommits.version}) from ${syncCommits}) - 1,
      (select ${syncState.version} from ${syncState} where ${syncState.id} = ${COUNTER_ID}),
      0
    ) as floor`);
  return Number(result.rows[0]?.floor ?? 0);
}

/** A reader's cursor lies below the log's floor (see {@link logFloor}): it must start over from a snapshot. */
export class LogCompactedError extends Error {
  constructor(
    readonly cursor: number,
    readonly floor: number,
  ) {
    super(`The change log no longer holds the versions after ${cursor} (compacted up to ${floor})`);
    this.name = 'LogCompactedError';
  }
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
    table: row.tableName,
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
