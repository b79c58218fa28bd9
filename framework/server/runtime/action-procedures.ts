/**
 * Turns the action registry into tRPC procedures: `actions.<name>` runs an action and returns its typed result;
 * `enqueue.<name>` starts a durable run and returns its id at once (not for actions with `clientEnqueue: false`);
 * `runs.cancel` stops one.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { actionRuns } from '@/db/schema';
import { actions, type ActionName, type Actions } from '@/server/actions/registry';
import { router, userProcedure } from '../trpc';
import { callAction, enqueueRun } from './action-executor';
import { updateRun } from './action-runs';

type InputOf<TName extends ActionName> = Actions[TName]['input'];
type OutputOf<TName extends ActionName> = z.output<Actions[TName]['output']>;
/** The actions clients may enqueue: all but those defined with `clientEnqueue: false`. */
type ClientEnqueueable = {
  [TName in ActionName]: Actions[TName] extends { clientEnqueue?: false } ? never : TName;
}[ActionName];

function callProcedure<TName extends ActionName>(name: TName) {
  return userProcedure
    .input(actions[name].input as InputOf<TName>)
    .mutation(async ({ ctx, input, signal }) => {
      const result = await callAction(ctx.runtime, name, input, {
        userId: ctx.user.id,
        signal: signal ?? new AbortController().signal,
      });
      return result as OutputOf<TName>;
    });
}

function enqueueProcedure<TName extends ActionName>(name: TName) {
  return userProcedure.input(actions[name].input as InputOf<TName>).mutation(async ({ ctx, input }) => {
    const run = await enqueueRun(ctx.runtime, ctx.user.id, name, input);
    return { runId: run.id };
  });
}

function buildRouter<TProcedure>(
  make: (name: ActionName) => TProcedure,
  include: (name: ActionName) => boolean = () => true,
) {
  const procedures: Partial<Record<ActionName, TProcedure>> = {};
  for (const name of Object.keys(actions) as ActionName[]) if (include(name)) procedures[name] = make(name);
  return procedures;
}

/** `actions.<name>`: call and await the typed result. */
export const actionsRouter = router(
  buildRouter(callProcedure) as { [TName in ActionName]: ReturnType<typeof callProcedure<TName>> },
);

/** `enqueue.<name>`: a durable run; follow it in the synced `actionRuns` table. */
export const enqueueRouter = router(
  buildRouter(enqueueProcedure, (name) => actions[name].clientEnqueue !== false) as {
    [TName in ClientEnqueueable]: ReturnType<typeof enqueueProcedure<TName>>;
  },
);

/** Operations on runs. */
export const runsRouter = router({
  /**
   * One of the user's runs, whatever its age (the snapshot carries only unfinished and recent runs, snapshot.ts):
   * how a script follows a run it enqueued. Another user's run is NOT_FOUND, as a run that does not exist.
   */
  byId: userProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const [run] = await ctx.db
      .select()
      .from(actionRuns)
      .where(and(eq(actionRuns.id, input.id), eq(actionRuns.ownerId, ctx.user.id)));
    if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `No run with id ${input.id}` });
    return run;
  }),
  /** Cancels a queued run at once, or asks a running one to stop (its handler's ctx.signal aborts). */
  cancel: userProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const [run] = await ctx.db
      .select()
      .from(actionRuns)
      .where(and(eq(actionRuns.id, input.id), eq(actionRuns.ownerId, ctx.user.id)));
    if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `No run with id ${input.id}` });
    if (run.status === 'queued') {
      const cancelled = await updateRun(
        ctx.runtime,
        run.id,
        { status: 'cancelled', error: 'Cancelled' },
        { status: 'queued' },
      );
      if (cancelled) return { status: cancelled.status };
    }
    if (run.status === 'queued' || run.status === 'running') {
      await updateRun(ctx.runtime, run.id, { cancelRequested: true });
      return { status: 'cancelling' as const };
    }
    return { status: run.status };
  }),
});
