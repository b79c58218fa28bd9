/**
 * Writes commits (their changes, their versions, the cross-process poke) inside an open transaction, and hands them
 * to this process's feed once the transaction has committed. Every write of synced rows goes through here —
 * mutations, atomic action groups, queue status updates — so all of them are in the change log, in commit order.
 */
import 'server-only';
import { appendCommits, type FeedChange, type FeedCommit, type NewCommit } from './change-log';
import { POKE_CHANNEL } from './pokes';
import { withSpan } from '../telemetry/tracing';
import type { Runtime } from './runtime';
import type { RecordedChange } from './server-transaction';
import type { Queryable } from './synced-table';

export type CommitRecord = NewCommit['commit'];

/** One commit as the log holds it, known to the process that wrote it without reading it back. */
export interface LogEntry {
  commit: FeedCommit;
  changes: FeedChange[];
}

/**
 * Takes the next versions and writes the commits, in order. Call it last in the transaction (it holds the version
 * lock), and pass what it returns to `publishCommitted` after the transaction commits.
 */
export async function recordCommits(
  runtime: Runtime,
  db: Queryable,
  commits: NewCommit[],
): Promise<LogEntry[]> {
  // PostgreSQL: the other processes are poked by the same statement (delivered only if this transaction commits).
  const notify =
    runtime.engine.kind === 'postgres' ? { channel: POKE_CHANNEL, token: runtime.pokes.token } : undefined;
  const versions = await appendCommits(db, commits, notify);
  return commits.map(({ commit, changes }, index) => {
    const version = versions[index] ?? Number.NaN;
    const { userId, clientId, mutationId, error } = commit;
    return {
      commit: { version, userId, clientId, mutationId, error },
      changes: changes.map((change) => ({ ...change, version })),
    };
  });
}

/** `recordCommits` for one commit. */
export async function recordCommit(
  runtime: Runtime,
  db: Queryable,
  commit: CommitRecord,
  changes: RecordedChange[],
): Promise<LogEntry> {
  const [entry] = await recordCommits(runtime, db, [{ commit, changes }]);
  if (!entry) throw new Error('recording a commit returned nothing');
  return entry;
}

/** After COMMIT: this process's subscribers get the commits at once (see ChangeFeed.publish), in version order. */
export function publishCommitted(runtime: Runtime, ...entries: LogEntry[]): void {
  withSpan(
    'fan-out',
    { attributes: { 'sync.versions': entries.map((entry) => entry.commit.version) } },
    () => {
      for (const entry of entries) runtime.feed.publish(entry);
    },
  );
}
