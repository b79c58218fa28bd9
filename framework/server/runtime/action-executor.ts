/**
 * Runs an action for a user: validates input (400 naming the field), builds its context, runs it, validates the
 * output before it leaves (a mismatch is the server's bug: 500, logged), and maps errors to tRPC codes.
 * The same function serves tRPC calls, the queue worker and tools.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { limitModelCall } from '../limits/model-calls';
import { assertClaimHeld, insertRun, LeaseLostError, updateRun, type RunClaim } from './action-runs';
import { splitSecretInput } from './action-secrets';
import type { Action, ActionContext } from './define-action';
import { executeMutation } from './executor';
import { executeMutationGroup } from './mutation-group';
import { prefixIssues, refuseUnstorableText, toTRPCError } from './errors';
import type { Runtime } from './runtime';
import type { Queryable } from './synced-table';
import { withSpan } from '../telemetry/tracing';

export interface ActionCall {
  userId: string;
  signal: AbortSignal;
  /**
   * Set when the queue runs it: progress is written to this run, and every write of the handler (mutate,
   * transaction, progress) carries the claim. Once the claim is lost (another worker took the run over) those
   * writes are refused with {@link LeaseLostError} and `onLeaseLost` is told, so the queue aborts the handler.
   */
  run?: { claim: RunClaim; onLeaseLost(error: LeaseLostError): void };
}

/** The app's action of this name; NOT_FOUND for a name it does not have. */
export function getAction(runtime: Runtime, name: string): Action {
  const action = Object.hasOwn(runtime.app.actions, name) ? runtime.app.actions[name] : undefined;
  if (!action) throw new TRPCError({ code: 'NOT_FOUND', message: `No action ${name}` });
  return action;
}

/** Validates an action's input; throws BAD_REQUEST with the issues under `input`. */
export function parseActionInput(action: Action, input: unknown): unknown {
  const parsed = refuseUnstorableText(action.input.safeParse(input));
  if (!parsed.success) throw toTRPCError(prefixIssues(parsed.error, 'input'));
  return parsed.data;
}

/**
 * Validates an action's input and queues a durable run of it (its own commit); returns the run. The action's secret
 * fields are kept server-side, never in the synced run row.
 */
export async function enqueueRun(runtime: Runtime, userId: string, name: string, input: unknown) {
  const action = getAction(runtime, name);
  const { stored, secret } = splitSecretInput(action, parseActionInput(action, input));
  // Counted now, not when the run starts: the queue runs whatever was accepted, so the budget is spent here.
  if (action.callsModel) await limitModelCall(runtime, userId);
  return insertRun(runtime, userId, name, stored, action.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, secret);
}

/** Attempts of an enqueued run when its action does not say. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export function callAction(
  runtime: Runtime,
  name: string,
  input: unknown,
  call: ActionCall,
): Promise<unknown> {
  return runActionDefinition(runtime, name, getAction(runtime, name), input, call);
}

/** Runs a given definition (the registry's, or a test's own) through the same checks as {@link callAction}. */
export async function runActionDefinition(
  runtime: Runtime,
  name: string,
  action: Action,
  input: unknown,
  call: ActionCall,
): Promise<unknown> {
  return withSpan(`action ${name}`, { attributes: { 'action.name': name } }, () =>
    runActionInSpan(runtime, name, action, input, call),
  );
}

async function runActionInSpan(
  runtime: Runtime,
  name: string,
  action: Action,
  input: unknown,
  call: ActionCall,
): Promise<unknown> {
  const parsedInput = parseActionInput(action, input);
  // A queued run was counted when it was enqueued; a direct call is counted now.
  if (action.callsModel && !call.run) await limitModelCall(runtime, call.userId);
  const ctx = createActionContext(runtime, name, call);
  let output: unknown;
  try {
    output = await action.run(ctx, parsedInput as never);
  } catch (error) {
    const trpcError = toTRPCError(error);
    // A cancelled run or a caller that went away is not a server bug.
    if (trpcError.code === 'INTERNAL_SERVER_ERROR' && !call.signal.aborted) {
      console.error(`[actions] ${name} failed:`, error);
    }
    throw trpcError;
  }
  const checked = action.output.safeParse(output);
  if (!checked.success) {
    console.error(`[actions] ${name} returned output that does not match its schema:`, checked.error.issues);
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: `Action ${name} returned an invalid result`,
    });
  }
  return checked.data;
}

function createActionContext(runtime: Runtime, name: string, call: ActionCall): ActionContext {
  const { run } = call;
  const fence = run ? (db: Queryable) => assertClaimHeld(db, run.claim) : undefined;
  /** Tells the queue when a write was refused for a lost claim, then fails the handler's call with it. */
  const fenced = async <T>(write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } catch (error) {
      if (error instanceof LeaseLostError) run?.onLeaseLost(error);
      throw error;
    }
  };
  return {
    user: { id: call.userId },
    db: runtime.db,
    signal: call.signal,
    runId: run?.claim.id ?? null,
    async mutate(mutator, args) {
      await fenced(executeMutation(runtime, call.userId, mutator, { args }, { fence }));
    },
    transaction(body) {
      return fenced(executeMutationGroup(runtime, call.userId, `action:${name}`, body, fence));
    },
    async enqueue(action, input) {
      return (await enqueueRun(runtime, call.userId, action, input)).id;
    },
    async progress(fraction, message) {
      if (!run) return;
      const clamped = Math.min(Math.max(fraction, 0), 1);
      const updated = await updateRun(
        runtime,
        run.claim.id,
        { progress: clamped, progressMessage: message ?? null },
        { claim: run.claim },
      );
      if (!updated) await fenced(Promise.reject(new LeaseLostError(run.claim)));
    },
  };
}
