/**
 * Writes one commit (its changes, its version, the cross-process poke) inside an open transaction. Every write of
 * synced rows goes through here — mutations, atomic action groups, queue status updates — so all of them are in
 * the change log, in commit order.
 */
import 'server-only';
import { sql } from 'drizzle-orm';
import { appendCommit, type FeedCommit } from './change-log';
import { POKE_CHANNEL } from './pokes';
import type { Runtime } from './runtime';
import type { RecordedChange } from './server-transaction';
import type { Queryable } from './synced-table';

export type CommitRecord = Omit<FeedCommit, 'version'> & { mutator: string };

/** Takes the next version and writes the commit. Call it last in the transaction (it holds the version lock). */
export async function recordCommit(
  runtime: Runtime,
  db: Queryable,
  commit: CommitRecord,
  changes: RecordedChange[],
): Promise<number> {
  const version = await appendCommit(db, commit, changes);
  if (runtime.engine.kind === 'postgres') {
    // Delivered to other processes only if this transaction commits.
    await db.execute(sql`select pg_notify(${POKE_CHANNEL}, ${`${runtime.pokes.token}:${version}`})`);
  }
  return version;
}
