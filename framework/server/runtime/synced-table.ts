/**
 * Generic, owner-scoped reads and writes of one synced table, used by the server side of a mutator's `tx.table()`
 * and by the snapshot. Rows cross this boundary as plain records; their types come from mutators/synced-tables.ts.
 */
import 'server-only';
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/open';

/** How the runtime finds rows of a synced table and their owner. */
export interface SyncedTableConfig {
  table: PgTable;
  id: PgColumn;
  /** The column holding the id of the only user who may read and write the row. */
  owner: PgColumn;
  /** Order of `list()` and of the snapshot: the table's keys in mutators/row-order.ts (see {@link orderByKeys}). */
  orderBy: (PgColumn | SQL)[];
}

/** Column types whose order PostgreSQL and JavaScript agree on (mutators/row-order.ts says why not text). */
const ORDERABLE = new Set(['PgUUID', 'PgDoublePrecision', 'PgReal', 'PgInteger', 'PgSmallInt', 'PgBoolean']);

/**
 * ORDER BY terms for a table's row-order keys, comparing as the browser's `compareRows` does: timestamps to the
 * millisecond (all a JavaScript Date holds), other keys as they are. Refuses a key the browser cannot order alike.
 */
export function orderByKeys(table: PgTable, keys: readonly string[]): (PgColumn | SQL)[] {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return keys.map((key) => {
    const column = columns[key];
    if (!column) throw new Error(`row order: no column ${key}`);
    if (column.columnType === 'PgTimestamp') return sql`date_trunc('milliseconds', ${column})`;
    if (!ORDERABLE.has(column.columnType))
      throw new Error(
        `row order: ${key} (${column.columnType}) does not sort alike in PostgreSQL and JavaScript`,
      );
    return column;
  });
}

/** A row of any synced table. */
export type AnyRow = Record<string, unknown> & { id: string };

/** The query surface shared by the database and an open transaction. */
export type Queryable = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export async function getOwnedRow(
  db: Queryable,
  config: SyncedTableConfig,
  ownerId: string,
  id: string,
): Promise<AnyRow | undefined> {
  const rows = await db
    .select()
    .from(config.table)
    .where(and(eq(config.id, id), eq(config.owner, ownerId)))
    .limit(1);
  return rows[0] as AnyRow | undefined;
}

export async function listOwnedRows(
  db: Queryable,
  config: SyncedTableConfig,
  ownerId: string,
): Promise<AnyRow[]> {
  const rows = await db
    .select()
    .from(config.table)
    .where(eq(config.owner, ownerId))
    .orderBy(...config.orderBy);
  return rows as AnyRow[];
}

/**
 * Inserts or replaces a row owned by `ownerId`. Returns the row as stored, or undefined when the id belongs to a
 * row of another user (the conditional upsert then changes nothing).
 */
export async function upsertOwnedRow(
  db: Queryable,
  config: SyncedTableConfig,
  ownerId: string,
  row: AnyRow,
): Promise<AnyRow | undefined> {
  const rows = await db
    .insert(config.table)
    .values(row)
    .onConflictDoUpdate({ target: config.id, set: row, setWhere: eq(config.owner, ownerId) })
    .returning();
  return rows[0] as AnyRow | undefined;
}

/** Inserts a new row; returns it as stored, or undefined when its id is already taken (nothing written). */
export async function insertNewRow(
  db: Queryable,
  config: SyncedTableConfig,
  row: AnyRow,
): Promise<AnyRow | undefined> {
  const rows = await db
    .insert(config.table)
    .values(row)
    .onConflictDoNothing({ target: config.id })
    .returning();
  return rows[0] as AnyRow | undefined;
}

/** Deletes the user's row; returns whether one was deleted. */
export async function deleteOwnedRow(
  db: Queryable,
  config: SyncedTableConfig,
  ownerId: string,
  id: string,
): Promise<boolean> {
  const rows = await db
    .delete(config.table)
    .where(and(eq(config.id, id), eq(config.owner, ownerId)))
    .returning({ id: config.id });
  return rows.length > 0;
}
