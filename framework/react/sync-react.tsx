'use client';
/**
 * React bindings of the client store, typed from the app's registries by {@link createSyncReact}:
 * - `<SyncProvider snapshot client slot>` creates the store from the server-rendered snapshot, keeps it live over
 *   the SSE feed, attaches it to the slot of the app's syncLink (framework/client/sync-link.ts: React Query's
 *   `mutators.*` mutations and `sync.rows.*` queries then run on it) and writes each table's rows into the React
 *   Query cache (rows-publisher.ts);
 * - `useRows('todos')` reads a synced table; `useMutate().addTodo({...})` runs a mutator optimistically and sends it;
 * - `useConnectionState()`, `useSendState()` and `useMutationErrors()` for status and error UI, `useSyncUserId()`
 *   for UI that names the user;
 * - `useSchemaUpdate()` for the "a new version is available — reload" notice after a deploy changed the schema
 *   version (pending changes are saved for the reloaded page, framework/client/carry-over.ts).
 */
import { useQueryClient } from '@tanstack/react-query';
import type { AnyTRPCRouter } from '@trpc/server';
import type { TRPCClient } from '@trpc/client';
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import type {
  AnyMutators,
  AnyRows,
  AnySchema,
  Mutator,
  MutatorInput,
  PublicMutatorName,
} from '../shared/define-mutator';
import type { SchemaVersionMismatch, Snapshot } from '../shared/sync-protocol';
import { saveCarryOver, takeCarryOver, type CarriedMutations } from '../client/carry-over';
import type { SyncClientRouter } from '../server/routers/sync';
import type { MutationFailure } from '../client/failure';
import { followSharedFeed } from '../client/shared-feed';
import {
  SyncStore,
  type ConnectionState,
  type MutationHandle,
  type RestoreReport,
  type SendState,
} from '../client/store';
import { createTrpcTransport } from '../client/trpc-transport';
import type { StoreSlot } from '../client/sync-link';
import { rowsPublisher } from './rows-publisher';

/** The synced tables a registry's mutators reach (their `tx` type), by name → row type. */
export type RowsOfMutators<TMutators extends AnyMutators> =
  TMutators[keyof TMutators] extends Mutator<AnySchema, infer TRows> ? TRows : AnyRows;

/** `useMutate()`'s functions: one per public mutator, taking its input. */
export type MutateFunctions<TMutators extends AnyMutators> = {
  [TName in PublicMutatorName<TMutators>]: (args: MutatorInput<TMutators[TName]>) => MutationHandle;
};

/** What the app passes: its mutators (the store runs them optimistically in the browser) and schema version. */
export interface SyncReactOptions<TMutators extends AnyMutators> {
  /**
   * The registry, or a function that imports it (`() => import('@/mutators/registry').then((m) => m.mutators)`,
   * with the type from `import type`): the page then paints without the mutators' schemas and zod, and the
   * provider loads them right after its first render (issue 17: the first load's size).
   */
  mutators: TMutators | (() => Promise<TMutators>);
  /**
   * The app's schema version, the same number the server gets (createSyncServer's `schemaVersion`): sent with every
   * mutation and feed subscription; a server of another version makes the page offer a reload. Default 1.
   */
  schemaVersion?: number;
}

/** `useSchemaUpdate()`: the state of the schema-version check and the reload that resolves it. */
export interface SchemaUpdate {
  /** Set when the server runs another schema version than this page: show a reload notice. */
  outdated: SchemaVersionMismatch | null;
  /** How many changes of this page the server has not acknowledged: they are sent after the reload. */
  unsavedCount: number;
  /** After a reload that carried changes over: what became of them (replayed, already applied, dropped). */
  restored: RestoreReport | null;
  /** Saves the pending changes for the reloaded page, then reloads. False (no reload) when saving failed. */
  reload: () => boolean;
}

/**
 * This tab's carried-over changes, taken once per page load (module state: React may run a state initializer twice,
 * and the second run must see the same record, not an emptied storage).
 */
let carriedThisLoad: CarriedMutations | null | undefined;
function carriedForThisLoad(): CarriedMutations | null {
  if (typeof window === 'undefined') return null;
  if (carriedThisLoad === undefined) carriedThisLoad = takeCarryOver();
  return carriedThisLoad;
}

/**
 * The app's typed provider and hooks. `TRows` (the synced tables) defaults to what the mutators' `tx` reaches.
 * Call once in a client module and export what it returns.
 */
export function createSyncReact<
  TMutators extends AnyMutators,
  TRows extends AnyRows = RowsOfMutators<TMutators>,
>(options: SyncReactOptions<TMutators>) {
  type Store = SyncStore<TMutators, TRows>;
  const SyncContext = createContext<Store | null>(null);

  /**
   * Creates the store from `snapshot` (prefetched by the server component and hydrated: available on the first
   * render, on the server too) and follows the feed over `client`, the app's tRPC client (its router mounts the
   * framework's `sync` and `mutators` routers, createSyncServer). `slot` is the one the client's syncLink reads
   * (framework/client/sync-link.ts): with it, React Query's mutations and row queries run on this store.
   */
  const schemaVersion = options.schemaVersion ?? 1;

  function SyncProvider<TRouter extends AnyTRPCRouter>(props: {
    snapshot: Snapshot;
    client: TRPCClient<TRouter>;
    slot?: StoreSlot;
    children: ReactNode;
  }) {
    // The app's router contains the framework's routers (createSyncServer's `routers`): seen as just those here.
    const client = props.client as unknown as TRPCClient<SyncClientRouter>;
    const queryClient = useQueryClient();
    const [{ store, publish }] = useState(() => {
      const created = new SyncStore<TMutators, TRows>({
        mutators: options.mutators,
        snapshot: props.snapshot,
        transport: createTrpcTransport(client),
        schemaVersion,
        carried: carriedForThisLoad(),
      });
      const publisher = rowsPublisher(created, client, queryClient);
      // Before the children's first render (on the server too): their `useQuery` finds the rows, never fetches.
      publisher();
      return { store: created, publish: publisher };
    });

    // Once outdated, every change is saved at once, so closing or reloading the tab any way loses nothing.
    useEffect(() => {
      const save = () => {
        if (store.outdated) saveCarryOver(store.carryOver(schemaVersion));
      };
      save();
      return store.subscribe(save);
    }, [store]);

    // Every change is written into the React Query cache synchronously, as the store emits it.
    useEffect(() => {
      publish();
      return store.subscribe(publish);
    }, [store, publish]);

    useEffect(() => props.slot?.attach(store), [props.slot, store]);

    // One feed per browser, shared by its tabs (a stream per tab would block the seventh tab over HTTP/1.1).
    useEffect(() => followSharedFeed(client, store), [client, store]);

    // Lazily given mutators load now, after the first paint, so that a click finds them loaded.
    useEffect(() => {
      store.loadMutators().catch((error: unknown) => {
        console.error('[sync] the mutators did not load; the next change tries again:', error);
      });
    }, [store]);

    return <SyncContext.Provider value={store}>{props.children}</SyncContext.Provider>;
  }

  /** The store itself (for tests and advanced use); throws outside a provider. */
  function useSyncStore(): Store {
    const store = useContext(SyncContext);
    if (!store) throw new Error('useSyncStore needs a <SyncProvider> above it (the app layout has one)');
    return store;
  }

  /**
   * The rows of a synced table, optimistic state included, re-rendering on every change. Through
   * `useSyncExternalStore` (not `useQuery`): a mutation's optimistic effect shows in the same frame as the click.
   */
  function useRows<TName extends keyof TRows & string>(table: TName): TRows[TName][] {
    const store = useSyncStore();
    const read = () => store.rows(table);
    return useSyncExternalStore((onChange) => store.subscribe(onChange), read, read);
  }

  /** `useMutate().setTodoText({ id, text })`: applies at once, sends in order, and settles with the server's answer. */
  function useMutate(): MutateFunctions<TMutators> {
    const store = useSyncStore();
    return useMemo(() => {
      const registry = options.mutators;
      if (typeof registry === 'function') {
        // The names are not known before the registry loads: a function per name asked for, made on first use.
        // The store refuses a name that is not a public mutator (NOT_FOUND), as the server does.
        const made = new Map<string, (args: never) => MutationHandle>();
        return new Proxy({} as MutateFunctions<TMutators>, {
          get(_target, name) {
            // Not `then`: the object must not look like a promise to whoever awaits or resolves it.
            if (typeof name !== 'string' || name === 'then') return undefined;
            let mutate = made.get(name);
            if (!mutate) {
              mutate = (args: never) => store.mutate(name, args);
              made.set(name, mutate);
            }
            return mutate;
          },
        });
      }
      const functions: Record<string, unknown> = {};
      for (const [name, mutator] of Object.entries(registry)) {
        if (!mutator.internal) functions[name] = (args: never) => store.mutate(name, args);
      }
      return functions as MutateFunctions<TMutators>;
    }, [store]);
  }

  /** The change feed's connection: connecting, live, reconnecting or signed-out. */
  function useConnectionState(): ConnectionState {
    const store = useSyncStore();
    return useSyncExternalStore(
      (onChange) => store.subscribe(onChange),
      () => store.connectionState,
      () => 'connecting',
    );
  }

  /**
   * The user whose rows the store holds. It changes without a reload when the tab's feed moves to another user: a
   * guest who signed up or in from another tab of the browser.
   */
  function useSyncUserId(): string {
    const store = useSyncStore();
    return useSyncExternalStore(
      (onChange) => store.subscribe(onChange),
      () => store.userId,
      () => store.userId,
    );
  }

  /** 'retrying' while the server cannot be reached and mutations wait to be sent. */
  function useSendState(): SendState {
    const store = useSyncStore();
    return useSyncExternalStore(
      (onChange) => store.subscribe(onChange),
      () => store.sendState,
      () => 'ok',
    );
  }

  /** Calls `onError` for every mutation that fails for good (pass a stable callback). */
  function useMutationErrors(onError: (failure: MutationFailure) => void): void {
    const store = useSyncStore();
    useEffect(() => store.onError(onError), [store, onError]);
  }

  /**
   * The schema-version state for a reload notice: `outdated` once a deploy changed the version (mutations are then
   * kept, not sent), `reload()` to save them and reload, `restored` after such a reload.
   */
  function useSchemaUpdate(): SchemaUpdate {
    const store = useSyncStore();
    const outdated = useSyncExternalStore(
      (onChange) => store.subscribe(onChange),
      () => store.outdated,
      () => null,
    );
    const unsavedCount = useSyncExternalStore(
      (onChange) => store.subscribe(onChange),
      () => store.unsavedCount,
      () => 0,
    );
    const restored = useSyncExternalStore(
      (onChange) => store.subscribe(onChange),
      () => store.restoreReport,
      () => null,
    );
    return useMemo(
      () => ({
        outdated,
        unsavedCount,
        restored,
        reload: () => {
          if (!saveCarryOver(store.carryOver(schemaVersion))) return false;
          window.location.reload();
          return true;
        },
      }),
      [outdated, unsavedCount, restored, store],
    );
  }

  return {
    SyncProvider,
    useSchemaUpdate,
    useSyncStore,
    useRows,
    useMutate,
    useConnectionState,
    useSyncUserId,
    useSendState,
    useMutationErrors,
  };
}
