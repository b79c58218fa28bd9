/**
 * How a synced table is declared: once, next to its drizzle table (`syncedTable(pgTable(…), { owner, order })`,
 * framework/server/schema.ts). The declaration marks the table object itself; the server finds every marked table
 * among the schema's exports (the export name is the table's sync name), and the row types come from the same
 * exports by {@link SyncedRowsOf}. Isomorphic and type-light: the browser imports only types from here.
 */
import type { InferSelectModel, Table } from 'drizzle-orm';
import type * as frameworkSchema from '../server/schema';

/** The property a declared table carries its {@link SyncDeclaration} under. */
export const SYNCED: unique symbol = Symbol.for('trpc-actions-starter.synced-table');

/** What the framework needs to know of a synced table, by column key (as in the row objects). */
export interface SyncDeclaration {
  /** The column holding the id of the only user who may read and write the row. */
  readonly owner: string;
  /**
   * The one order of the table's rows, most significant first, the last key unique (the id): `list()` in the
   * browser and the server's SQL sort alike (framework/shared/row-order.ts says which column types may be keys).
   */
  readonly order: readonly string[];
}

/** A drizzle table declared synced. */
export type DeclaredSyncedTable<TTable extends Table = Table> = TTable & {
  readonly [SYNCED]: SyncDeclaration;
};

/** The synced tables among a schema module's exports, by export name → row type. */
export type SyncedRowsIn<TSchema> = {
  -readonly [
    TName in keyof TSchema as TSchema[TName] extends { readonly [SYNCED]: SyncDeclaration } ? TName : never
  ]: TSchema[TName] extends Table ? InferSelectModel<TSchema[TName]> : never;
};

/** The framework's own synced tables (`actionRuns`) by name → row type. */
export type FrameworkSyncedRows = SyncedRowsIn<typeof frameworkSchema>;

/**
 * Every synced table of an app (its schema module's declared tables and the framework's own) by name → row type:
 * `type SyncedRows = SyncedRowsOf<typeof import('@/db/schema')>`.
 */
export type SyncedRowsOf<TAppSchema> = SyncedRowsIn<TAppSchema> & FrameworkSyncedRows;

/** Each synced table's layout, as the snapshot carries it to the client (which never loads drizzle). */
export type SyncLayout = { [name: string]: SyncDeclaration };
