/**
 * The tables whose rows flow to clients, by the name mutators and `useRows` use. Type-only: the server maps the
 * names to drizzle tables in server/sync-tables.ts. A table not listed here is server-only: no mutator on the client
 * can reach it, and its rows never enter the change feed.
 */
import type { ActionRun, Todo } from '@/db/schema';

export interface SyncedRows {
  todos: Todo;
  actionRuns: ActionRun;
}

export type SyncedTableName = keyof SyncedRows;

/** Every synced table name, for code that iterates them at run time. */
export const SYNCED_TABLE_NAMES = ['todos', 'actionRuns'] as const satisfies readonly SyncedTableName[];
