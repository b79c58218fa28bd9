/**
 * Runs an action for a user: validates input (400 naming the field), builds its context, runs it, validates the
 * output before it leaves (a mismatch is the server's bug: 500, logged), and maps errors to tRPC codes.
 * The same function serves tRPC calls, the queue worker, and (later) tools.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { actions, type ActionName } from '@/server/actions/registry';
import { insertRun, updateRun } from './action-runs';
import type { Action, ActionContext } from './define-action';
import { executeMutation } from './executor';
import { executeMutationGroup } from './mutation-group';
import { prefixIssues, refuseUnstorableText, toTRPCError } from './errors';
import type { Runtime } from './runtime';
import { withSpan } from '../telemetry/tracing';

export interface ActionCall {
  userId: string;
  signal: AbortSignal;
  /** Set when the queue runs it: progress is written to this run. */
  runId?: string;
}

export function getAction(name: string): Action {
  if (!Object.hasOwn(actions, name)) throw new TRPCError({ code: 'NOT_FOUND', message: `No action ${name}` });
  return actions[name as ActionName] as unknown as Action;
}

/** Validates an action's input; throws BAD_REQUEST with the issues under `input`. */
export function parseActionInput(action: Action, input: unknown): unknown {
  const parsed = refuseUnstorableText(action.input.safeParse(input));
  if (!parsed.success) throw toTRPCError(prefixIssues(parsed.error, 'input'));
  return parsed.data;
}

/** Validates an action's input and queues a durable run of it (its own commit); returns the run. */
export async function enqueueRun(runtime: Runtime, userId: string, name: string, input: unknown) {
  const action = getAction(name);
  return insertRun(
    runtime,
    userId,
    name,
    parseActionInput(action, input),
    action.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  );
}

/** Attempts of an enqueued run when its action does not say. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export function callAction(
  runtime: Runtime,
  name: string,
  input: unknown,
  call: ActionCall,
): Promise<unknown> {
  return runActionDefinition(runtime, name, getAction(name), input, call);
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
  return {
    user: { id: call.userId },
    db: runtime.db,
    signal: call.signal,
    runId: call.runId ?? null,
    async mutate(mutator, args) {
      await executeMutation(runtime, call.userId, mutator, { args });
    },
    transaction(body) {
      return executeMutationGroup(runtime, call.userId, `action:${name}`, body);
    },
    async enqueue(action, input) {
      return (await enqueueRun(runtime, call.userId, action, input)).id;
    },
    async progress(fraction, message) {
      if (!call.runId) return;
      const clamped = Math.min(Math.max(fraction, 0), 1);
      await updateRun(
        runtime,
        call.runId,
        { progress: clamped, progressMessage: message ?? null },
        { status: 'running' },
      );
    },
  };
}
