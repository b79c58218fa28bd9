/**
 * A consistent snapshot of a user's synced rows and the log version they correspond to (the start of a feed).
 */
import 'server-only';
import type { Snapshot, SyncedTablesData } from '@/mutators/sync-protocol';
import { SYNCED_TABLE_NAMES } from '@/mutators/synced-tables';
import { syncedTables } from '../sync-tables';
import { currentVersion } from './change-log';
import type { Runtime } from './runtime';
import { listOwnedRows } from './synced-table';

export function readSnapshot(runtime: Runtime, userId: string): Promise<Snapshot> {
  // Repeatable read: the version and every table are read from one database snapshot.
  return runtime.db.transaction(
    async (tx) => {
      const version = await currentVersion(tx);
      const tables: Record<string, unknown[]> = {};
      for (const name of SYNCED_TABLE_NAMES)
        tables[name] = await listOwnedRows(tx, syncedTables[name], userId);
      return { version, userId, tables: tables as SyncedTablesData };
    },
    { isolationLevel: 'repeatable read' },
  );
}
