/**
 * The wire form of a feed batch: a `changes` message carries neither the user id nor the version of each row
 * change (the client needs neither). Shared by the stream (change-stream.ts) and the one-shot catch-up (catch-up.ts).
 */
import 'server-only';
import type { RowChange, SyncMessage } from '../../shared/sync-protocol';
import type { FeedChange, FeedCommit } from './change-log';

/** The `changes` message for everything in (previous message, `version`]. */
export function changesMessage(
  version: number,
  commits: readonly FeedCommit[],
  changes: readonly FeedChange[],
): Extract<SyncMessage, { type: 'changes' }> {
  return {
    type: 'changes',
    version,
    commits: commits.map(({ version: at, clientId, mutationId, error }) => ({
      version: at,
      clientId,
      mutationId,
      error,
    })),
    changes: changes.map(
      (change) =>
        (change.op === 'set'
          ? { table: change.table, id: change.id, op: 'set', row: change.row }
          : { table: change.table, id: change.id, op: 'delete' }) as RowChange,
    ),
  };
}
