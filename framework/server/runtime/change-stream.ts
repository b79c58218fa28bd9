/**
 * One subscriber's stream of the change feed: everything the user may see after its last version, as tracked
 * events, so a reconnecting client resumes from the last event it received (nothing missed, nothing twice).
 * The stream ends (UNAUTHORIZED) when the credential it was opened with is revoked: checked before each message and
 * on the credential watch's own signal, so an idle stream ends too.
 */
import 'server-only';
import { tracked, TRPCError, type TrackedEnvelope } from '@trpc/server';
import type { SyncMessage } from '../../shared/sync-protocol';
import { CredentialRevokedError, type CredentialWatch } from './credential';
import { serializeOnce } from '../transformer';
import type { FeedBatch } from './change-feed';
import { changesMessage } from './feed-message';
import { logFloor, LogCompactedError } from './change-log';
import type { Runtime } from './runtime';
import { readSnapshot } from './snapshot';

export async function* streamChanges(
  runtime: Runtime,
  userId: string,
  lastEventId: string | null | undefined,
  signal: AbortSignal,
  credential?: CredentialWatch,
  /** The subscribing client's id (optional): a reset then tells it which of its mutations the snapshot includes. */
  clientId?: string | null,
): AsyncGenerator<TrackedEnvelope<SyncMessage>> {
  const { feed } = runtime;
  // Ends on client disconnect or on server shutdown (Next waits for open responses before it exits). A controller
  // of its own rather than AbortSignal.any: reading `aborted` of a composite signal re-checks its sources each time,
  // and with a thousand subscribers woken per commit that showed in profiles.
  const stopping = new AbortController();
  const stop = stopping.signal;
  const abort = () => stopping.abort();
  // A session's watch never fires: skip its per-batch check (a thousand tabs each awaiting it per commit).
  const watch = credential?.revocable ? credential : undefined;
  const sources = watch ? [signal, runtime.shutdownSignal, watch.revoked] : [signal, runtime.shutdownSignal];
  for (const source of sources) {
    if (source.aborted) abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  try {
    let cursor: number;
    await feed.refresh();
    const resumeFrom = lastEventId == null ? null : Number(lastEventId);
    if (
      resumeFrom === null ||
      !Number.isSafeInteger(resumeFrom) ||
      resumeFrom > feed.head ||
      resumeFrom < (await logFloor(runtime.db))
    ) {
      // No version (a fresh client), one this log never reached (the database was reset), or one whose commits
      // retention has deleted (docs/architecture.md rule 12): start over from a snapshot.
      cursor = yield* sendReset(runtime, userId, clientId, watch);
    } else {
      cursor = resumeFrom;
    }

    // The snapshot can be newer than this process's feed (another process committed since the feed last read the
    // log): read the log up to it now, rather than wait for the poke. Until the feed passes the cursor, reads
    // answer nothing (ChangeFeed.read), so the client is never sent a commit its snapshot already holds.
    if (cursor > feed.head) await feed.refresh();

    while (!stop.aborted) {
      let batch: FeedBatch;
      try {
        batch = await feed.read(userId, cursor);
      } catch (error) {
        if (!(error instanceof LogCompactedError)) throw error;
        // Fell behind the floor while catching up: a reset, not an unbounded catch-up.
        cursor = yield* sendReset(runtime, userId, clientId);
        continue;
      }
      if (batch.commits.length > 0 || batch.changes.length > 0) {
        if (watch && !(await watch.stillValid())) throw new CredentialRevokedError();
        yield messageOf(batch);
      }
      cursor = batch.upTo;
      if (cursor >= feed.head) await feed.waitBeyond(cursor, stop);
    }
  } finally {
    for (const source of sources) source.removeEventListener('abort', abort);
  }
  if (watch?.revoked.aborted) {
    // The watch says why: revoked, or replaced by another user's session (a guest signed in).
    const reason: unknown = watch.revoked.reason;
    throw reason instanceof TRPCError ? reason : new CredentialRevokedError();
  }
  if (runtime.shutdownSignal.aborted && !signal.aborted) {
    // A retryable code: the client's link reconnects (with its last event id) instead of giving up.
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The server is restarting; reconnect.' });
  }
}

/**
 * The `reset` message (the user's snapshot), returning its version. A generator of its own so that the snapshot
 * lives only in this short-lived frame: a local of streamChanges stays in its suspended frame for as long as the
 * stream is open (V8 keeps a generator's locals across every later `await`), and a heap snapshot at 1,000 open
 * streams showed each one holding its own copy of the user's rows that way (bench/README.md, issue 17).
 */
async function* sendReset(
  runtime: Runtime,
  userId: string,
  clientId: string | null | undefined,
  watch?: CredentialWatch,
): AsyncGenerator<TrackedEnvelope<SyncMessage>, number> {
  const snapshot = await readSnapshot(runtime, userId, clientId);
  if (watch && !(await watch.stillValid())) throw new CredentialRevokedError();
  yield tracked(String(snapshot.version), { type: 'reset', snapshot });
  return snapshot.version;
}

/** One message per batch, so the tabs that share a batch (feed.read) share its message and its serialization. */
const messages = new WeakMap<FeedBatch, TrackedEnvelope<SyncMessage>>();

function messageOf(batch: FeedBatch): TrackedEnvelope<SyncMessage> {
  let message = messages.get(batch);
  if (!message) {
    message = tracked(
      String(batch.upTo),
      serializeOnce<SyncMessage>(changesMessage(batch.upTo, batch.commits, batch.changes)),
    );
    messages.set(batch, message);
  }
  return message;
}
