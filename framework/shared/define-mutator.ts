/**
 * Mutators: data changes written once, run optimistically on the client (over the local cache) and authoritatively
 * on the server (in one database transaction). Both sides hand `run` the same {@link MutatorTx} interface.
 *
 * Rules for `run` (so client and server compute the same rows):
 * - ids and timestamps come from the input (the caller makes them), never from `crypto.randomUUID()` / `new Date()`;
 * - write explicit values (`completed: true`), not toggles of what is currently stored;
 * - check authorization first, before existence, so errors reveal nothing about other users' rows.
 */
import type { z } from 'zod/mini';
import './zod-setup';

/** A row of any synced table: every synced table has a uuid `id` primary key. */
export type AnyRow = { id: string };

/** Synced table name → row type: what `tx.table(name)` can reach (derived by `SyncedRowsOf` from the schema). */
export type AnyRows = { [name: string]: AnyRow };

/** Reads and writes one synced table. Every row is scoped to the current user (its owner column). */
export interface TableAccess<TRow extends { id: string }> {
  /** The row with this id, if it exists and belongs to the user. */
  get(id: string): Promise<TRow | undefined>;
  /** Inserts or replaces the whole row. Refused for a row of another user. */
  set(row: TRow): Promise<void>;
  /**
   * Adds a new row; fails with CONFLICT when its id is taken, whoever's row holds it. One statement on the server,
   * where `get` then `set` would be two.
   *
   * Why one answer: FORBIDDEN for another user's id (and CONFLICT for one's own) told a caller that a row of another
   * user has this id, where every other mutator answers NOT_FOUND for it. Ids are global (one primary key), so
   * "taken" cannot look like "free" (a free id succeeds; a taken one cannot be written), but "taken" can look the
   * same whoever holds it: the same code and message as a duplicate of one's own row (the client store gives that
   * too, see framework/client/working-state.ts). What remains is inherent and small: a caller learns that a UUID it
   * already holds is in use, never by whom or with what; random UUIDs cannot be enumerated.
   */
  insert(row: TRow): Promise<void>;
  /** Deletes the row if it exists; a no-op otherwise. */
  delete(id: string): Promise<void>;
  /** All of the user's rows in this table. */
  list(): Promise<TRow[]>;
}

/** What a mutator's `run` receives, on the client and on the server alike. */
export interface MutatorTx<TRows extends AnyRows = AnyRows> {
  /** The acting user's id. */
  readonly userId: string;
  /** True inside the server's database transaction; false in the browser's optimistic run. */
  readonly isServer: boolean;
  /** Access to a synced table. Server-only tables are not among `TRows`, so not reachable here. */
  table<TName extends keyof TRows & string>(name: TName): TableAccess<TRows[TName]>;
  /**
   * Enqueues a durable action run that starts after this mutation commits (and only if it commits). Returns the
   * run id. On the client this does nothing and returns null: actions run on the server only.
   */
  enqueueAction(action: string, input: unknown): Promise<string | null>;
}

export { conflict, MutatorError } from './mutator-error';

/**
 * Where a procedure is offered as a tool (to the copilot's model, to MCP clients). The page URL and properties come
 * from the client: they can only narrow what is offered, never widen what the user may do — every call still goes
 * through the executor's own validation and authorization, and availability is checked again when a tool is called.
 */
export interface ToolContext {
  /** The page the request comes from (null for MCP and scripts). */
  url: URL | null;
  /** What the page says about its state, e.g. `{ selectedTodoId }`. Untrusted. */
  properties: Record<string, unknown>;
  user: { id: string };
}

/** What a {@link ToolExposure.fill} function may use to make one input field for one tool call. */
export interface ToolFillContext {
  /** One instant per call, so that every timestamp of the call agrees. */
  now: Date;
  /** A fresh UUID. */
  newId(): string;
  /** The page's properties for this request (untrusted: the executor still authorizes what they point at). */
  properties: Record<string, unknown>;
}

/**
 * The URL path MCP clients' tool contexts carry: a tool opts in to MCP with an `availableWhen` that accepts it
 * (see {@link onPages}). Tools that need approval are never offered over MCP (there is no panel to approve in).
 */
export const MCP_PATH = '/api/mcp';

/** An `availableWhen` rule: offered on these URL paths (include {@link MCP_PATH} to offer it over MCP too). */
export function onPages(...paths: string[]): (context: ToolContext) => boolean {
  return (context) => context.url !== null && paths.includes(context.url.pathname);
}

/** Read-only access to the acting user's synced rows, for {@link ToolExposure.describe}. */
export interface ToolReadContext {
  readonly userId: string;
  /**
   * The user's row with this id in a synced table, or undefined (none, or another user's: the same answer). Name
   * the row type for a typed row: `read.get<SyncedRows['todos']>('todos', id)`.
   */
  get<TRow extends AnyRow = AnyRow>(table: string, id: string): Promise<TRow | undefined>;
}

/** Declares a mutator or action as a tool. Absent: not a tool. */
export interface ToolExposure<TInput = Record<string, unknown>> {
  /** Offered only when this returns true (default: always). */
  availableWhen?(context: ToolContext): boolean;
  /** The user must approve each call before it runs. */
  needsApproval?: boolean;
  /**
   * Input fields the server makes for each call instead of the model: caller-made ids, timestamps, sort keys.
   * They are left out of the schema the model sees (a model makes poor UUIDs and stale dates) and filled here.
   */
  fill?: { [TKey in keyof TInput]?: (call: ToolFillContext) => TInput[TKey] };
  /**
   * How a call reads to the user, from their own data: "Delete the todo ‘Buy milk’?". Resolved on the server when
   * the model calls the tool and shown on its card (approval cards above all). The input is what the model sent,
   * not yet validated: check what you use. Without it, the card shows the tool's name and input.
   */
  describe?(input: Partial<Record<keyof TInput, unknown>>, read: ToolReadContext): string | Promise<string>;
}

/**
 * Any zod 4 schema, from `zod/mini` (what the example's mutators use: the browser then loads only the checks they
 * need, issue 17) or from full `zod`. Parse it with the `safeParse` function of either package: the common type has
 * no methods.
 */
export type AnySchema = z.core.$ZodType;

/** A mutator definition, as stored in the registry. `TRows`: the synced tables its `tx` reaches. */
export interface Mutator<
  TSchema extends AnySchema = AnySchema,
  TRows extends AnyRows = AnyRows,
  TInternal extends boolean = boolean,
> {
  /** Validates input on both sides (the client before the optimistic run, the server before the transaction). */
  readonly input: TSchema;
  /** What the mutator does, for people and (later) for the copilot's tool list. */
  readonly description?: string;
  /** Offer it as a tool (needs a description). */
  readonly tool?: ToolExposure<z.input<TSchema>>;
  /**
   * Internal (like Convex's `internalMutation`): callable from server code (an action's `ctx.mutate`, the queue),
   * never from a client: no `mutators.<name>` procedure, no tool, no MCP tool is made for it.
   */
  readonly internal?: TInternal;
  run(tx: MutatorTx<TRows>, input: z.output<TSchema>): Promise<void>;
}

/** Any mutator, its input and tables erased: what the framework's internals store and run. */
export type AnyMutator = Mutator<AnySchema, AnyRows>;

/** A registry of mutators by name. */
export type AnyMutators = { [name: string]: AnyMutator };

/**
 * Makes the app's `defineMutator`, typed with its synced tables: `export const defineMutator =
 * createDefineMutator<SyncedRows>()`. The input type of `run` is inferred from the schema.
 */
export function createDefineMutator<TRows extends AnyRows>() {
  return function defineMutator<TSchema extends AnySchema, TInternal extends boolean = false>(
    definition: Mutator<TSchema, TRows, TInternal>,
  ): Mutator<TSchema, TRows, TInternal> {
    return definition;
  };
}

/** The input type a mutator accepts from callers (before zod defaults/transforms). */
export type MutatorInput<TMutator> = TMutator extends { input: infer TSchema extends AnySchema }
  ? z.input<TSchema>
  : never;

/** The names of a registry's mutators that clients may call (all but `internal: true`). */
export type PublicMutatorName<TMutators extends AnyMutators> = {
  [TName in keyof TMutators & string]: TMutators[TName] extends { readonly internal?: true } ? never : TName;
}[keyof TMutators & string];
