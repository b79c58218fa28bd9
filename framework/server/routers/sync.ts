import { z } from 'zod';
import { streamChanges } from '../runtime/change-stream';
import { readSnapshot } from '../runtime/snapshot';
import { router, userProcedure } from '../trpc';

/** The read side of the data path: a snapshot to start from, then live changes (SSE). */
export const syncRouter = router({
  /** The user's synced rows and the log version they match. */
  snapshot: userProcedure.query(({ ctx }) => readSnapshot(ctx.runtime, ctx.user.id)),

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
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const credential = ctx.watchCredential();
      try {
        yield* streamChanges(
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
