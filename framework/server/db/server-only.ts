/**
 * Marks tables whose rows never leave the server: not in the change feed, not in the client store, not reachable
 * from a mutator's client-side `tx`, not returned by a query procedure unless one is written for that table on
 * purpose (the copilot's own conversation, for its owner). Actions may read them on purpose.
 * server/sync-tables.ts refuses (at start-up, and in a test) to sync a table marked here.
 */
import type { PgTable } from 'drizzle-orm/pg-core';

const marked = new WeakSet<PgTable>();

/** Declares a table server-only; returns it unchanged so it reads as a wrapper in db/schema.ts. */
export function serverOnly<TTable extends PgTable>(table: TTable): TTable {
  marked.add(table);
  return table;
}

export function isServerOnly(table: PgTable): boolean {
  return marked.has(table);
}
