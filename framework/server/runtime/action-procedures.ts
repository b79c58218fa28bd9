/**
 * Turns the app's action registry into tRPC procedures: `actions.<name>` runs an action and returns its typed result;
 * `enqueue.<name>` starts a durable run and returns its id at once (not for actions with `clientEnqueue: false`);
 * `runs.cancel` stops one. Internal actions (`internal: true`) get neither procedure.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { actionRuns } from '../schema';
import type { AnyActions } from './define-action';
import { router, userProcedure } from '../trpc';
import { callAction, enqueueRun } from './action-executor';
import { updateRun } from './action-runs';

/** The actions clients may call: all but the internal ones. */
type PublicActionName<TActions extends AnyActions> = {
  [TName in keyof TActions & string]: TActions[TName] extends { readonly internal?: true } ? never : TName;
}[keyof TActions & string];

/** The actions clients may enqueue: the public ones but those defined with `clientEnqueue: false`. */
type ClientEnqueueable<TActions extends AnyActions> = {
  [TName in PublicActionName<TActions>]: TActions[TName] extends { clientEnqueue?: false } ? never : TName;
}[PublicActionName<TActions>];

function callProcedure<TInput extends z.ZodType, TOutput>(name: string, input: TInput) {
  return userProcedure.input(input).mutation(async ({ ctx, input, signal }) => {
    const result = await callAction(ctx.runtime, name, input, {
      userId: ctx.user.id,
      signal: signal ?? new AbortController().signal,
    });
    return result as TOutput;
  });
}

function enqueueProcedure<TInput extends z.ZodType>(name: string, input: TInput) {
  return userProcedure.input(input).mutation(async ({ ctx, input }) => {
    const run = await enqueueRun(ctx.runtime, ctx.user.id, name, input);
    return { runId: run.id };
  });
}

/** `actions.<name>` of every public action of a registry. */
export type ActionProcedures<TActions extends AnyActions> = {
  [TName in PublicActionName<TActions>]: ReturnType<
    typeof callProcedure<TActions[TName]['input'], z.output<TActions[TName]['output']>>
  >;
};

/** `enqueue.<name>` of every action clients may enqueue. */
export type EnqueueProcedures<TActions extends AnyActions> = {
  [TName in ClientEnqueueable<TActions>]: ReturnType<typeof enqueueProcedure<TActions[TName]['input']>>;
};

/** `actions.<name>`: call and await the typed result. */
export function createActionsRouter<TActions extends AnyActions>(actions: TActions) {
  const procedures: Record<string, unknown> = {};
  for (const [name, action] of Object.entries(actions))
    if (!action.internal) procedures[name] = callProcedure(name, action.input);
  return router(procedures as ActionProcedures<TActions>);
}

/** `enqueue.<name>`: a durable run; follow it in the synced `actionRuns` table. */
export function createEnqueueRouter<TActions extends AnyActions>(actions: TActions) {
  const procedures: Record<string, unknown> = {};
  for (const [name, action] of Object.entries(actions))
    if (!action.internal && action.clientEnqueue !== false)
      procedures[name] = enqueueProcedure(name, action.input);
  return router(procedures as EnqueueProcedures<TActions>);
}

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
