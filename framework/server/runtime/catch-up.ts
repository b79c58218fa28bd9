/**
 * The change feed as one answer instead of a stream: everything the user may see after a version, up to the feed's
 * head now. Tabs that share one browser's feed (framework/client/shared-feed.ts) ask it when they fall behind the
 * tab that holds the stream: on opening, and when a message skips versions they have not seen.
 */
import 'server-only';
import type { SyncMessage } from '../../shared/sync-protocol';
import type { FeedCommit, FeedChange } from './change-log';
import { logFloor, LogCompactedError } from './change-log';
import { changesMessage } from './feed-message';
import type { Runtime } from './runtime';
import { readSnapshot } from './snapshot';

/**
 * A `changes` message for (lastEventId, head], or a `reset` when there is no usable version: none given, one this log
 * never reached, or one whose commits retention has deleted (the same rules as a stream's resume,
 * framework/server/runtime/change-stream.ts). With `clientId`, a reset names that client's last applied mutation.
 */
export async function readChangesSince(
  runtime: Runtime,
  userId: string,
  lastEventId: string | null | undefined,
  clientId?: string | null,
): Promise<SyncMessage> {
  const { feed } = runtime;
  await feed.refresh();
  const after = lastEventId == null ? null : Number(lastEventId);
  if (
    after === null ||
    !Number.isSafeInteger(after) ||
    after > feed.head ||
    after < (await logFloor(runtime.db))
  )
    return reset(runtime, userId, clientId);
  const commits: FeedCommit[] = [];
  const changes: FeedChange[] = [];
  let cursor = after;
  // The feed reads a page at a time behind its in-memory tail: read on until the head as it was asked for.
  const head = feed.head;
  while (cursor < head) {
    try {
      const batch = await feed.read(userId, cursor);
      if (batch.upTo <= cursor) break;
      commits.push(...batch.commits);
      changes.push(...batch.changes);
      cursor = batch.upTo;
    } catch (error) {
      if (!(error instanceof LogCompactedError)) throw error;
      return reset(runtime, userId, clientId);
    }
  }
  return changesMessage(cursor, commits, changes);
}

async function reset(runtime: Runtime, userId: string, clientId?: string | null): Promise<SyncMessage> {
  return { type: 'reset', snapshot: await readSnapshot(runtime, userId, clientId) };
}
