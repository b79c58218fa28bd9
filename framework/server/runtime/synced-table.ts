/**
 * Generic, owner-scoped reads and writes of one synced table, used by the server side of a mutator's `tx.table()`
 * and by the snapshot. Rows cross this boundary as plain records; their types come from the schema's declarations
 * (`SyncedRowsOf`, framework/shared/synced-table.ts).
 */
import 'server-only';
import { and, eq, getTableColumns, is, sql, type SQL } from 'drizzle-orm';
import { PgTable, type PgColumn } from 'drizzle-orm/pg-core';
import type { SyncLayout } from '../../shared/synced-table';
import type { Db } from '../db/open';
import { syncDeclarationOf } from '../db/synced-table-declaration';

/** How the runtime finds rows of a synced table and their owner. */
export interface SyncedTableConfig {
  table: PgTable;
  id: PgColumn;
  /** The column holding the id of the only user who may read and write the row. */
  owner: PgColumn;
  /** The owner column's key in row objects (e.g. `ownerId`). */
  ownerKey: string;
  /** Order of `list()` and of the snapshot: the table's declared keys (see {@link orderByKeys}). */
  orderBy: (PgColumn | SQL)[];
}

/**
 * Every table declared with `syncedTable(…)` among the schema modules' exports, by export name (its sync name), and
 * the layout the client gets. A name exported twice by different tables is refused: which one would sync?
 */
export function syncedTablesOf(...schemas: { readonly [exportName: string]: unknown }[]): {
  tables: Record<string, SyncedTableConfig>;
  layout: SyncLayout;
} {
  const tables: Record<string, SyncedTableConfig> = {};
  const layout: SyncLayout = {};
  for (const schema of schemas) {
    for (const [name, value] of Object.entries(schema)) {
      if (!is(value, PgTable)) continue;
      const declaration = syncDeclarationOf(value);
      if (!declaration) continue;
      if (tables[name] && tables[name].table !== value)
        throw new Error(`synced tables: two tables are exported as ${name}`);
      const columns = getTableColumns(value) as Record<string, PgColumn>;
      tables[name] = {
        table: value,
        id: columns.id as PgColumn,
        owner: columns[declaration.owner] as PgColumn,
        ownerKey: declaration.owner,
        orderBy: orderByKeys(value, declaration.order),
      };
      layout[name] = declaration;
    }
  }
  return { tables, layout };
}

/**
 * ORDER BY terms for a table's row-order keys, comparing as the browser's `compareRows` does: timestamps to the
 * millisecond (all a JavaScript Date holds), other keys as they are (`syncedTable` refused keys the browser cannot
 * order alike).
 */
export function orderByKeys(table: PgTable, keys: readonly string[]): (PgColumn | SQL)[] {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return keys.map((key) => {
    const column = columns[key];
    if (!column) throw new Error(`row order: no column ${key}`);
    if (column.columnType === 'PgTimestamp') return sql`date_trunc('milliseconds', ${column})`;
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
