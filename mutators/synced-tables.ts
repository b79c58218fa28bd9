/**
 * The app's synced tables by name → row type, derived from the one declaration of each (`syncedTable(…)` in
 * db/schema.ts) plus the framework's own (`actionRuns`). Type-only: the browser never loads drizzle for it.
 */
import type * as schema from '@/db/schema';
import type { SyncedRowsOf } from '@/framework/shared';

export type SyncedRows = SyncedRowsOf<typeof schema>;
