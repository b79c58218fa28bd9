import 'server-only';
import type { TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
import type { AnyRows } from '../../shared/define-mutator';
import type { Snapshot, SyncMessage } from '../../shared/sync-protocol';
import { streamChanges } from '../runtime/change-stream';
import { assertSchemaVersion, schemaVersionInput } from '../runtime/schema-version';
import { readSnapshot } from '../runtime/snapshot';
import type { MutatorProcedure } from '../runtime/mutator-procedures';
import { router, userProcedure } from '../trpc';

/**
 * The read side of the data path: a snapshot to start from, then live changes (SSE). `TRows` types the rows for
 * clients (the app's synced tables); the procedures are the same for every app.
 */
export function createSyncRouter<TRows extends AnyRows = AnyRows>() {
  return router({
    /** The user's synced rows and the log version they match. */
    snapshot: userProcedure.query(
      ({ ctx }) => readSnapshot(ctx.runtime, ctx.user.id) as Promise<Snapshot<TRows>>,
    ),

    /**
     * Live changes after `lastEventId` (a log version). Reconnecting clients send the last event id they received
     * (httpSubscriptionLink does this itself), so they resume exactly where they stopped.
     */
    changes: userProcedure
      .input(
        z.object({
          lastEventId: z.string().regex(/^\d+$/, 'must be a log version').nullish(),
          /** The subscribing tab's client id: a `reset` then carries its last applied mutation id. */
          clientId: z.string().min(1).max(64).nullish(),
          /**
           * The schema version the client was built for (browsers always send it). Another version than the
           * server's ends the subscription at once with PRECONDITION_FAILED and `data.schemaVersion`, the client's
           * cue to offer a reload (framework/server/runtime/schema-version.ts).
           */
          schemaVersion: schemaVersionInput.nullish(),
        }),
      )
      .subscription(async function* ({ ctx, input, signal }) {
        assertSchemaVersion(input.schemaVersion ?? undefined, ctx.runtime.app.schemaVersion);
        const credential = ctx.watchCredential();
        try {
          yield* (streamChanges as StreamOf<TRows>)(
            ctx.runtime,
            ctx.user.id,
            input.lastEventId,
            signal ?? new AbortController().signal,
            credential,
            input.clientId,
          );
        } finally {
          credential.close();
        }
      }),
  });
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
