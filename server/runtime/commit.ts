/**
 * Writes one commit (its changes, its version, the cross-process poke) inside an open transaction, and hands it to
 * this process's feed once the transaction has committed. Every write of synced rows goes through here — mutations,
 * atomic action groups, queue status updates — so all of them are in the change log, in commit order.
 */
import 'server-only';
import { sql } from 'drizzle-orm';
import { appendCommit, type FeedChange, type FeedCommit } from './change-log';
import { POKE_CHANNEL } from './pokes';
import type { Runtime } from './runtime';
import type { RecordedChange } from './server-transaction';
import type { Queryable } from './synced-table';

export type CommitRecord = Omit<FeedCommit, 'version'> & { mutator: string };

/** One commit as the log holds it, known to the process that wrote it without reading it back. */
export interface LogEntry {
  commit: FeedCommit;
  changes: FeedChange[];
}

/**
 * Takes the next version and writes the commit. Call it last in the transaction (it holds the version lock), and
 * pass what it returns to `publishCommitted` after the transaction commits.
 */
export async function recordCommit(
  runtime: Runtime,
  db: Queryable,
  commit: CommitRecord,
  changes: RecordedChange[],
): Promise<LogEntry> {
  const version = await appendCommit(db, commit, changes);
  if (runtime.engine.kind === 'postgres') {
    // Delivered to other processes only if this transaction commits.
    await db.execute(sql`select pg_notify(${POKE_CHANNEL}, ${`${runtime.pokes.token}:${version}`})`);
  }
  const { userId, clientId, mutationId, error } = commit;
  return {
    commit: { version, userId, clientId, mutationId, error },
    changes: changes.map((change) => ({ ...change, version })),
  };
}

/** After COMMIT: this process's subscribers get the commit at once (see ChangeFeed.publish). */
export function publishCommitted(runtime: Runtime, entry: LogEntry): void {
  runtime.feed.publish(entry);
}
