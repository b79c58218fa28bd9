/**
 * Moves everything one user owns to another in ONE transaction, then deletes the first: how a guest's data follows
 * it into the account it signs up or signs in to. Synced rows change owner and are written to the change log as
 * the new owner's changes, so the account's open tabs see them arrive live; the guest's tabs end their feed and
 * subscribe again under the account's session (the app's credential watch, framework/server/runtime/credential.ts).
 */
import 'server-only';
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { recordCommit, publishCommitted, type LogEntry } from './runtime/commit';
import type { Runtime } from './runtime/runtime';
import type { RecordedChange } from './runtime/server-transaction';
import type { AnyRow, Queryable } from './runtime/synced-table';
import { clientMutations, syncCommits, toolApprovals, users } from './schema';
import { forgetUser } from './users';

/** A server-only table of the app whose rows belong to a user through one column. */
export interface UserDataColumn {
  table: PgTable;
  /** The column holding the user's id. */
  column: PgColumn;
  /**
   * The table holds at most one row per user (the user id is its key, e.g. per-user settings): when the target
   * already has a row, it is kept and the moved user's row is dropped with that user.
   */
  onePerUser?: boolean;
}

export interface MoveUserDataOptions {
  /** The app's server-only tables with per-user rows (synced tables and the framework's own are known already). */
  extra?: readonly UserDataColumn[];
  /**
   * Whether synced rows move: `move` (the default); `skip` drops them with the moved user; `move-if-changed` moves
   * them only when the moved user changed anything (its commits are in the log) or the target owns no synced row
   * yet. The last is for a guest signing in to an existing account: its untouched welcome rows would be duplicates.
   */
  syncedRows?: 'move' | 'skip' | 'move-if-changed';
}

/** What a move did. */
export interface MoveReport {
  /** Synced rows that changed owner. */
  syncedRows: number;
  /** The log version of the commit that announced them, or null when none moved. */
  version: number | null;
}

/** Marks the move's commit in the log (the `mutator` column names what made a commit). */
const MOVE_COMMIT = '(moveUserData)';

/**
 * Moves `fromUserId`'s rows to `toUserId` and deletes `fromUserId`, all in one transaction (nothing half-moved on
 * failure). The target's framework user row is created if missing, without the app's welcome rows. On PGlite, call
 * it outside any other transaction (one connection: a nested use of the database would wait forever).
 */
export async function moveUserData(
  runtime: Runtime,
  fromUserId: string,
  toUserId: string,
  options: MoveUserDataOptions = {},
): Promise<MoveReport> {
  if (fromUserId === toUserId) return { syncedRows: 0, version: null };
  const entry = await runtime.db.transaction(async (tx) => {
    await tx.insert(users).values({ id: toUserId }).onConflictDoNothing();
    // Both user rows locked, in a fixed order: two moves touching the same users cannot deadlock.
    await tx
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.id, [fromUserId, toUserId]))
      .orderBy(users.id)
      .for('update');

    const mode = options.syncedRows ?? 'move';
    const moveRows =
      mode === 'move' ||
      (mode === 'move-if-changed' &&
        ((await hasCommits(tx, fromUserId)) || !(await ownsSyncedRows(runtime, tx, toUserId))));
    const changes = moveRows ? await moveSyncedRows(runtime, tx, fromUserId, toUserId) : [];
    await moveClientMutations(tx, fromUserId, toUserId);
    await tx.update(toolApprovals).set({ userId: toUserId }).where(eq(toolApprovals.userId, fromUserId));
    for (const extra of options.extra ?? []) await moveColumn(tx, extra, fromUserId, toUserId);

    const logged: LogEntry | null =
      changes.length === 0
        ? null
        : await recordCommit(
            runtime,
            tx,
            { userId: toUserId, mutator: MOVE_COMMIT, clientId: null, mutationId: null, error: null },
            changes,
          );
    // Whatever was not moved goes with the user (foreign keys cascade).
    await tx.delete(users).where(eq(users.id, fromUserId));
    return logged;
  });
  forgetUser(runtime.db, fromUserId);
  if (entry) publishCommitted(runtime, entry);
  return { syncedRows: entry?.changes.length ?? 0, version: entry?.commit.version ?? null };
}

/** Every synced table's rows of `from` get `to` as owner; each is a `set` change of the new owner's. */
async function moveSyncedRows(
  runtime: Runtime,
  tx: Queryable,
  from: string,
  to: string,
): Promise<RecordedChange[]> {
  const changes: RecordedChange[] = [];
  for (const [name, config] of Object.entries(runtime.app.tables)) {
    const moved = (await tx
      .update(config.table)
      .set({ [config.ownerKey]: to })
      .where(eq(config.owner, from))
      .returning()) as AnyRow[];
    for (const row of moved) changes.push({ table: name, id: row.id, op: 'set', row, ownerId: to });
  }
  return changes;
}

async function hasCommits(tx: Queryable, userId: string): Promise<boolean> {
  const [row] = await tx
    .select({ version: syncCommits.version })
    .from(syncCommits)
    .where(eq(syncCommits.userId, userId))
    .limit(1);
  return row !== undefined;
}

async function ownsSyncedRows(runtime: Runtime, tx: Queryable, userId: string): Promise<boolean> {
  for (const config of Object.values(runtime.app.tables)) {
    const [row] = await tx
      .select({ id: config.id })
      .from(config.table)
      .where(eq(config.owner, userId))
      .limit(1);
    if (row) return true;
  }
  return false;
}

/**
 * The moved user's tabs keep their client ids and mutation numbering under the new user (their pending mutations
 * are neither lost nor applied twice). A client id both users have (one tab that was signed in to the account
 * earlier, then a guest) keeps the guest's numbering: the tab's newest.
 */
async function moveClientMutations(tx: Queryable, from: string, to: string): Promise<void> {
  await tx
    .delete(clientMutations)
    .where(
      and(
        eq(clientMutations.userId, to),
        inArray(
          clientMutations.clientId,
          tx
            .select({ clientId: clientMutations.clientId })
            .from(clientMutations)
            .where(eq(clientMutations.userId, from)),
        ),
      ),
    );
  await tx.update(clientMutations).set({ userId: to }).where(eq(clientMutations.userId, from));
}

async function moveColumn(tx: Queryable, extra: UserDataColumn, from: string, to: string): Promise<void> {
  const alreadyHas = sql`exists (select 1 from ${extra.table} where ${extra.column} = ${to})`;
  await tx
    .update(extra.table)
    .set({ [columnKey(extra)]: to })
    .where(extra.onePerUser ? and(eq(extra.column, from), sql`not ${alreadyHas}`) : eq(extra.column, from));
}

/** The column's key in the table's row objects (what `set` takes). */
function columnKey(extra: UserDataColumn): string {
  for (const [key, column] of Object.entries(getTableColumns(extra.table)))
    if (column === extra.column) return key;
  throw new Error(`moveUserData: ${extra.column.name} is not a column of the given table`);
}
