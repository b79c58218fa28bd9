import 'server-only';
import { TRPCError, type TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
import type { AnyRows } from '../../shared/define-mutator';
import type { Snapshot, SyncMessage } from '../../shared/sync-protocol';
import { readChangesSince } from '../runtime/catch-up';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../runtime/errors';
import { streamChanges } from '../runtime/change-stream';
import { assertSchemaVersion, schemaVersionInput } from '../runtime/schema-version';
import { readSnapshot, readTableRows } from '../runtime/snapshot';
import type { MutatorProcedure } from '../runtime/mutator-procedures';
import { router, userProcedure } from '../trpc';

/**
 * `sync.rows.<table>`: one synced table's rows of the user. In a browser with a sync store the framework's link
 * answers it from the store (optimistic state included, no request: framework/client/sync-link.ts); here it serves
 * scripts, server rendering and a page without a store.
 */
function rowsProcedure<TRow>(table: string) {
  return userProcedure.query(async ({ ctx }) => {
    const rows = await readTableRows(ctx.runtime, ctx.user.id, table);
    if (!rows) throw new TRPCError({ code: 'NOT_FOUND', message: `No synced table ${table}` });
    return rows as TRow[];
  });
}

/** One query per synced table, typed with its row. */
export type RowsProcedures<TRows extends AnyRows> = {
  [TName in keyof TRows & string]: ReturnType<typeof rowsProcedure<TRows[TName]>>;
};

/** An id the client sends: text the database can compare against (no NUL), else a 400 naming the field. */
const idText = (maxLength: number) =>
  z.string().min(1).max(maxLength).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

/** Where a client's feed resumes, and who it is. */
const feedInput = z.object({
  lastEventId: z.string().regex(/^\d+$/, 'must be a log version').nullish(),
  /** The subscribing tab's client id: a `reset` then carries its last applied mutation id. */
  clientId: idText(64).nullish(),
  /**
   * The user whose rows the client holds at `lastEventId`. When the session is another user's now (signed out or in
   * elsewhere), that version says nothing about this user's rows: the answer starts from a reset.
   */
  userId: idText(256).nullish(),
  /**
   * The schema version the client was built for (browsers always send it). Another version than the server's ends
   * the subscription at once with PRECONDITION_FAILED and `data.schemaVersion`, the client's cue to offer a reload
   * (framework/server/runtime/schema-version.ts).
   */
  schemaVersion: schemaVersionInput.nullish(),
});

/**
 * The read side of the data path: a snapshot to start from, then live changes (SSE), and each synced table as a
 * query of its own (`tableNames`). `TRows` types the rows for clients (the app's synced tables).
 */
export function createSyncRouter<TRows extends AnyRows = AnyRows>(tableNames: readonly string[] = []) {
  const rows: Record<string, unknown> = {};
  for (const name of tableNames) rows[name] = rowsProcedure(name);
  return router({
    /** `sync.rows.<table>`: the user's rows of one synced table (as the snapshot has them). */
    rows: router(rows as RowsProcedures<TRows>),

    /** The user's synced rows and the log version they match. */
    snapshot: userProcedure.query(
      ({ ctx }) => readSnapshot(ctx.runtime, ctx.user.id) as Promise<Snapshot<TRows>>,
    ),

    /**
     * Everything after `lastEventId` up to now, as one message (a `reset` when the version is missing or no longer in
     * the log): how a tab that shares another tab's feed catches up (framework/client/shared-feed.ts).
     */
    since: userProcedure.input(feedInput).query(({ ctx, input }) => {
      assertSchemaVersion(input.schemaVersion ?? undefined, ctx.runtime.app.schemaVersion);
      return readChangesSince(
        ctx.runtime,
        ctx.user.id,
        resumeFrom(input, ctx.user.id),
        input.clientId,
      ) as Promise<SyncMessage<TRows>>;
    }),

    /**
     * Live changes after `lastEventId` (a log version). Reconnecting clients send the last event id they received
     * (httpSubscriptionLink does this itself), so they resume exactly where they stopped.
     */
    changes: userProcedure.input(feedInput).subscription(async function* ({ ctx, input, signal }) {
      assertSchemaVersion(input.schemaVersion ?? undefined, ctx.runtime.app.schemaVersion);
      const credential = ctx.watchCredential();
      const stream = (streamChanges as StreamOf<TRows>)(
        ctx.runtime,
        ctx.user.id,
        resumeFrom(input, ctx.user.id),
        signal ?? new AbortController().signal,
        credential,
        input.clientId,
      );
      try {
        // Not `yield* stream`: a delegating generator keeps the last result it passed on in its suspended frame,
        // so every open stream held its first message (its own snapshot of the user's rows) for as long as it
        // stayed open (a heap snapshot at 1,000 streams; bench/README.md, issue 17). Here the message is let go
        // once sent.
        let message: TrackedEnvelope<SyncMessage<TRows>> | null;
        while ((message = await nextOrNull(stream)) !== null) {
          yield message;
          message = null;
        }
      } finally {
        await stream.return(undefined);
        credential.close();
      }
    }),
  });
}

/** The version to resume after: none when the client's rows are another user's than the session's. */
function resumeFrom(input: z.infer<typeof feedInput>, userId: string): string | null | undefined {
  return input.userId != null && input.userId !== userId ? null : input.lastEventId;
}

/** The iterator's next value, or null once it has returned. */
async function nextOrNull<T>(iterator: AsyncIterator<T>): Promise<T | null> {
  const result = await iterator.next();
  return result.done ? null : result.value;
}

/** {@link streamChanges}, its messages typed with the app's rows. */
type StreamOf<TRows extends AnyRows> = (
  ...args: Parameters<typeof streamChanges>
) => AsyncGenerator<TrackedEnvelope<SyncMessage<TRows>>>;

/** The sync router, rows untyped (the client store sees it so). */
export const syncRouter = createSyncRouter();

/**
 * The part of an app's router the client store talks to (the feed, and `mutators.<name>` called by name). Type-only:
 * the browser's store imports it with `import type`.
 */
export type SyncClientRouter = ReturnType<
  typeof router<{
    sync: typeof syncRouter;
    mutators: ReturnType<typeof router<Record<string, MutatorProcedure<unknown>>>>;
  }>
>;
