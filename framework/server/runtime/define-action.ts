/**
 * Actions: server-only procedures (AI calls, external APIs, secrets, files) with zod input and output. They change
 * data only through mutators (`ctx.mutate`, `ctx.transaction`), so every change is validated, authorized, logged
 * and streamed like any other.
 */
import 'server-only';
import type { z } from 'zod';
import type { Db } from '../db/open';
import type { AnyMutators, MutatorInput, ToolExposure } from '../../shared/define-mutator';
import type { MutationGroup } from './mutation-group';

/** What an action's `run` receives. */
export interface ActionContext<TMutators extends AnyMutators = AnyMutators> {
  /** The user the action runs for (the caller, or the owner of an enqueued run). */
  readonly user: { id: string };
  /**
   * The database, for reads — including server-only tables (that is what actions are for). Write through
   * `mutate` / `transaction` so that changes reach the feed. Inside `transaction`, read through the group's `db`.
   */
  readonly db: Db;
  /** Aborted when the caller goes away or the run is cancelled. */
  readonly signal: AbortSignal;
  /** Commits one mutator through the one executor and streams it out at once. */
  mutate<TName extends keyof TMutators & string>(
    name: TName,
    args: MutatorInput<TMutators[TName]>,
  ): Promise<void>;
  /** Several mutators all-or-nothing: one commit; nothing is written or broadcast if `body` throws. */
  transaction<T>(body: (group: MutationGroup<TMutators>) => Promise<T>): Promise<T>;
  /** Enqueues another action to run durably (after this call returns); resolves to the run id. */
  enqueue(action: string, input: unknown): Promise<string>;
  /** Reports progress (0..1) of an enqueued run; visible live in the UI. A no-op for direct calls. */
  progress(fraction: number, message?: string): Promise<void>;
  /** The run id when running from the queue; null for a direct call. */
  readonly runId: string | null;
}

/** A top-level field of an action's (object) input. */
export type InputField<TInput extends z.ZodType> = Extract<keyof z.input<TInput>, string>;

/** An action definition, as stored in the registry. */
export interface Action<
  TInput extends z.ZodType = z.ZodType,
  TOutput extends z.ZodType = z.ZodType,
  TClientEnqueue extends boolean = boolean,
  TMutators extends AnyMutators = AnyMutators,
  TInternal extends boolean = boolean,
> {
  readonly description: string;
  readonly input: TInput;
  /**
   * Input fields that hold secrets (API keys, passwords). Whatever enters a synced row reaches browsers forever
   * (docs/architecture.md rule 10), so an enqueued run keeps these in the server-only `action_run_secrets` table
   * (deleted when the run finishes) instead of its synced `input`, and its synced result and error never repeat
   * them.
   */
  readonly secret?: readonly InputField<TInput>[];
  /**
   * `false`: no `enqueue.<name>` procedure, so clients cannot start a durable run of it (server code still can, with
   * `ctx.enqueue` or `tx.enqueueAction`). Default: true.
   */
  readonly clientEnqueue?: TClientEnqueue;
  /** Checked before the result leaves the server: a handler bug becomes a clear error, not bad data. */
  readonly output: TOutput;
  /** Attempts for an enqueued run before it fails for good (default 3). Handlers must be idempotent. */
  readonly maxAttempts?: number;
  /** Offer it as a tool (to the copilot, to MCP). */
  readonly tool?: ToolExposure<z.input<TInput>>;
  /**
   * It calls an AI model: each call, and each enqueued run (counted when enqueued, by whatever path), takes one
   * point of the user's model-call budget (framework/server/limits/model-calls.ts); over it, TOO_MANY_REQUESTS.
   * tests/rate-limits.test.ts fails for an action that reaches a model without saying so.
   */
  readonly callsModel?: boolean;
  /**
   * Internal (like Convex's `internalAction`): runs from server code only (`ctx.enqueue`, `tx.enqueueAction`, the
   * queue); no `actions.<name>` or `enqueue.<name>` procedure, no tool, no MCP tool is made for it.
   */
  readonly internal?: TInternal;
  run(ctx: ActionContext<TMutators>, input: z.output<TInput>): Promise<z.input<TOutput>>;
}

/** Any action, erased: what the framework's internals store and run. */
export type AnyAction = Action<z.ZodType, z.ZodType, boolean, AnyMutators, boolean>;

/** A registry of actions by name. */
export type AnyActions = { [name: string]: AnyAction };

/**
 * Makes the app's `defineAction`, its `ctx.mutate` typed with the app's mutators: `export const defineAction =
 * createDefineAction<Mutators>()`. `run`'s input type comes from the schema, and `clientEnqueue: false` and
 * `internal: true` reach the router's type.
 */
export function createDefineAction<TMutators extends AnyMutators>() {
  return function defineAction<
    TInput extends z.ZodType,
    TOutput extends z.ZodType,
    TClientEnqueue extends boolean = true,
    TInternal extends boolean = false,
  >(
    definition: Action<TInput, TOutput, TClientEnqueue, TMutators, TInternal>,
  ): Action<TInput, TOutput, TClientEnqueue, TMutators, TInternal> {
    return definition;
  };
}
