/**
 * Maps each synced table name (mutators/synced-tables.ts) to its drizzle table and the column that says who may
 * read a row. The runtime scopes every read and write of a mutator, the snapshot and the change feed by it.
 */
import 'server-only';
import { actionRuns, todos } from '@/db/schema';
import { ROW_ORDER } from '@/framework/shared/row-order';
import type { SyncedTableName } from '@/mutators/synced-tables';
import { orderByKeys, type SyncedTableConfig } from '@/framework/server/runtime/synced-table';

export const syncedTables: { [TName in SyncedTableName]: SyncedTableConfig } = {
  todos: {
    table: todos,
    id: todos.id,
    owner: todos.ownerId,
    orderBy: orderByKeys(todos, ROW_ORDER.todos),
  },
  actionRuns: {
    table: actionRuns,
    id: actionRuns.id,
    owner: actionRuns.ownerId,
    orderBy: orderByKeys(actionRuns, ROW_ORDER.actionRuns),
  },
};
