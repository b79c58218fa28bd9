/**
 * `syncedTable(…)`: declares a drizzle table synced, once, where it is defined. No "server-only" import: drizzle-kit
 * loads the schema files that call it.
 */
import { getTableColumns, type InferSelectModel } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { SYNCED, type DeclaredSyncedTable, type SyncDeclaration } from '../../shared/synced-table';

/** Column types whose order PostgreSQL and JavaScript agree on (framework/shared/row-order.ts says why not text). */
const ORDERABLE = new Set([
  'PgUUID',
  'PgDoublePrecision',
  'PgReal',
  'PgInteger',
  'PgSmallInt',
  'PgBoolean',
  'PgTimestamp',
]);

/** A column key of the table's rows. */
type ColumnKey<TTable extends PgTable> = keyof InferSelectModel<TTable> & string;

/**
 * Declares `table` synced: its rows flow to their owner's clients (snapshot, change feed, client store) under the
 * name the schema module exports it as, and mutators reach it with `tx.table(name)`. `owner`: the column holding the
 * id of the only user who may read and write a row. `order`: the keys `list()` sorts by, most significant first, the
 * last one unique (the id). A table without this declaration is server-only. Throws at import time for a key that
 * is not a column, or that PostgreSQL and JavaScript would sort differently.
 */
export function syncedTable<TTable extends PgTable>(
  table: TTable,
  declaration: { owner: ColumnKey<TTable>; order: readonly ColumnKey<TTable>[] },
): DeclaredSyncedTable<TTable> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  if (!columns.id) throw new Error('syncedTable: a synced table needs an `id` column (a uuid primary key)');
  if (!columns[declaration.owner]) throw new Error(`syncedTable: no owner column ${declaration.owner}`);
  if (declaration.order.length === 0) throw new Error('syncedTable: `order` needs at least one key (the id)');
  for (const key of declaration.order) {
    const column = columns[key];
    if (!column) throw new Error(`syncedTable: row order: no column ${key}`);
    if (!ORDERABLE.has(column.columnType))
      throw new Error(
        `syncedTable: row order: ${key} (${column.columnType}) does not sort alike in PostgreSQL and JavaScript`,
      );
  }
  const frozen: SyncDeclaration = Object.freeze({
    owner: declaration.owner,
    order: Object.freeze([...declaration.order]),
  });
  Object.defineProperty(table, SYNCED, { value: frozen, enumerable: false });
  return table as DeclaredSyncedTable<TTable>;
}

/** The declaration of a table marked by {@link syncedTable}, or undefined for a server-only table. */
export function syncDeclarationOf(table: PgTable): SyncDeclaration | undefined {
  return (table as Partial<DeclaredSyncedTable>)[SYNCED];
}
