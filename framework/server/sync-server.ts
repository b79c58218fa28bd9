/**
 * `createSyncServer({...})`: the app hands the framework its parts (schema module, mutators, actions, hooks) and gets
 * back the routers to mount and the typed entry points of the one data path. The framework never imports the app:
 * everything app-specific arrives here and travels on the runtime (`runtime.app`).
 */
import 'server-only';
import type { AnyMutators, MutatorInput } from '../shared/define-mutator';
import type { DatabaseHandle } from './db/open';
import * as frameworkSchema from './schema';
import { createActionsRouter, createEnqueueRouter, runsRouter } from './runtime/action-procedures';
import { callAction, enqueueRun, type ActionCall } from './runtime/action-executor';
import type { SchemaModule, SyncApp } from './runtime/app';
import type { AnyActions } from './runtime/define-action';
import {
  executeMutation,
  type MutationOptions,
  type MutationRequest,
  type MutationResult,
} from './runtime/executor';
import { createMutatorsRouter } from './runtime/mutator-procedures';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime/runtime';
import { syncedTablesOf, type Queryable } from './runtime/synced-table';
import { createSyncRouter } from './routers/sync';
import type { SyncedRowsOf } from '../shared/synced-table';
import { configureSseMaxDuration } from './trpc';
import type { z } from 'zod';

/** What the app hands the framework. */
export interface SyncServerConfig<
  TSchema extends SchemaModule,
  TMutators extends AnyMutators,
  TActions extends AnyActions,
> {
  /**
   * The app's schema module (`import * as schema from '@/db/schema'`): every export declared with `syncedTable(…)`
   * is synced under its export name; every other table is server-only.
   */
  schema: TSchema;
  mutators: TMutators;
  actions: TActions;
  /** The version of the app's schema (tables, mutators, actions); bump it when a deploy changes them. Default 1. */
  schemaVersion?: number;
  /** Runs in the transaction that creates a user (first sight): the app's starting rows for a new user. */
  onNewUser?: (tx: Queryable, userId: string) => Promise<void>;
  /** How long an SSE response may last (read per subscription, so from a validated environment at run time). */
  sseMaxDurationMs?: () => number | undefined;
}

/**
 * Builds the app's sync server. Call once, at module level, in a server module of the app; mount `routers` in the
 * app's tRPC router and make runtimes with `createRuntime` (one per process, or per test).
 */
export function createSyncServer<
  TSchema extends SchemaModule,
  TMutators extends AnyMutators,
  TActions extends AnyActions,
>(config: SyncServerConfig<TSchema, TMutators, TActions>) {
  const { tables, layout } = syncedTablesOf(frameworkSchema, config.schema);
  for (const name of Object.keys(config.mutators))
    if (Object.hasOwn(config.actions, name))
      throw new Error(`createSyncServer: ${name} is both a mutator and an action: rename one`);
  const app: SyncApp = {
    tables,
    layout,
    mutators: config.mutators,
    actions: config.actions,
    onNewUser: config.onNewUser,
    schemaVersion: config.schemaVersion ?? 1,
  };
  if (config.sseMaxDurationMs) configureSseMaxDuration(config.sseMaxDurationMs);
  const views = new WeakMap<Runtime, Runtime>();

  type MutatorName = keyof TMutators & string;
  type ActionName = keyof TActions & string;

  return {
    /** The app as the runtime carries it (erased registries). */
    app,
    /** Mount these in the app's root router under these names (the client store calls `sync` and `mutators`). */
    routers: {
      /** `sync.snapshot`, `sync.changes`: the read side of the data path. */
      sync: createSyncRouter<SyncedRowsOf<TSchema>>(),
      /** `mutators.<name>` for every public mutator. */
      mutators: createMutatorsRouter(config.mutators),
      /** `actions.<name>` for every public action. */
      actions: createActionsRouter(config.actions),
      /** `enqueue.<name>` for every public action clients may enqueue. */
      enqueue: createEnqueueRouter(config.actions),
      /** `runs.byId`, `runs.cancel`. */
      runs: runsRouter,
    },
    /** A runtime of this app over an open database. */
    createRuntime(database: DatabaseHandle, options: Omit<RuntimeOptions, 'app'> = {}): Promise<Runtime> {
      return createRuntime(database, { ...options, app });
    },
    /**
     * The process's runtime as this copy of the app sees it. Next bundles server code once per layer (pages, route
     * handlers), so one process can hold several copies of the app's modules; the runtime it shares between them
     * (kept on `globalThis`) must run each copy's own mutators, whose errors and zod schemas that copy's framework
     * code recognises. Same database, pokes and feed; memoized, so per-runtime state stays one per copy.
     */
    withThisApp(runtime: Runtime): Runtime {
      if (runtime.app === app) return runtime;
      let view = views.get(runtime);
      if (!view) {
        view = { ...runtime, app };
        views.set(runtime, view);
      }
      return view;
    },
    /** Runs one mutator through the one executor (validation, authorization, commit, feed); internal ones too. */
    executeMutation<TName extends MutatorName>(
      runtime: Runtime,
      userId: string,
      name: TName,
      request: MutationRequest<MutatorInput<TMutators[TName]>>,
      options?: MutationOptions,
    ): Promise<MutationResult> {
      return executeMutation(runtime, userId, name, request, options);
    },
    /** Runs one action and resolves to its checked output; internal ones too (server code only). */
    async callAction<TName extends ActionName>(
      runtime: Runtime,
      name: TName,
      input: z.input<TActions[TName]['input']>,
      call: ActionCall,
    ): Promise<z.output<TActions[TName]['output']>> {
      return (await callAction(runtime, name, input, call)) as z.output<TActions[TName]['output']>;
    },
    /** Queues a durable run of an action; resolves to its run id. */
    async enqueueAction<TName extends ActionName>(
      runtime: Runtime,
      userId: string,
      name: TName,
      input: z.input<TActions[TName]['input']>,
    ): Promise<string> {
      return (await enqueueRun(runtime, userId, name, input)).id;
    },
  };
}

/** What {@link createSyncServer} returns for an app. */
export type SyncServer<
  TSchema extends SchemaModule,
  TMutators extends AnyMutators,
  TActions extends AnyActions,
> = ReturnType<typeof createSyncServer<TSchema, TMutators, TActions>>;
