'use client';
/**
 * React bindings of the client store:
 * - `<SyncProvider>` creates the store from the server-rendered snapshot and keeps it live over the SSE feed;
 * - `useRows('todos')` reads a synced table (also published into the React Query cache under `['sync', table]`);
 * - `useMutate().addTodo({...})` runs a mutator optimistically and sends it;
 * - `useConnectionState()`, `useSendState()` and `useMutationErrors()` for status and error UI.
 */
import { useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import type { MutatorInput } from '../shared/define-mutator';
import { mutators, type MutatorName, type Mutators } from '@/mutators/registry';
import { SYNCED_TABLE_NAMES, type SyncedRows, type SyncedTableName } from '@/mutators/synced-tables';
import { useTRPC, useTRPCClient } from '@/client/react';
import type { MutationFailure } from '../client/failure';
import { followFeed } from '../client/follow-feed';
import { SyncStore, type ConnectionState, type MutationHandle, type SendState } from '../client/store';
import { createTrpcTransport } from '../client/trpc-transport';

const SyncContext = createContext<SyncStore | null>(null);

/** The React Query key under which a synced table's rows are published. */
export const syncRowsKey = (table: SyncedTableName) => ['sync', table] as const;

export function SyncProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  // Prefetched by the server component and hydrated: available on the first render, on the server too.
  const { data: snapshot } = useSuspenseQuery(
    trpc.sync.snapshot.queryOptions(undefined, { staleTime: Infinity }),
  );
  const [store] = useState(() => new SyncStore({ snapshot, transport: createTrpcTransport(client) }));

  useEffect(() => {
    const publish = () => {
      for (const table of SYNCED_TABLE_NAMES) queryClient.setQueryData(syncRowsKey(table), store.rows(table));
    };
    publish();
    return store.subscribe(publish);
  }, [store, queryClient]);

  useEffect(() => followFeed(client, store), [client, store]);

  return <SyncContext.Provider value={store}>{children}</SyncContext.Provider>;
}

/** The store of the nearest {@link SyncProvider}. */
export function useSyncStore(): SyncStore {
  const store = useContext(SyncContext);
  if (!store) throw new Error('useSyncStore needs a <SyncProvider> above it (app/layout.tsx has one)');
  return store;
}

/**
 * The user's rows of a synced table, live: server state plus pending optimistic mutations.
 * Subscribes to the store directly rather than through `useQuery`: React Query batches its notifications into a
 * later task, which can let the browser paint the old value for a frame; a store subscription re-renders before
 * the next paint. The same rows are in the React Query cache under {@link syncRowsKey} for everything else.
 */
export function useRows<TName extends SyncedTableName>(table: TName): SyncedRows[TName][] {
  const store = useSyncStore();
  const read = () => store.rows(table);
  return useSyncExternalStore((onChange) => store.subscribe(onChange), read, read);
}

/** Every mutator as a function: `mutate.setTodoCompleted({ id, completed: true, updatedAt: new Date() })`. */
export type MutateFunctions = {
  [TName in MutatorName]: (args: MutatorInput<Mutators[TName]>) => MutationHandle;
};

export function useMutate(): MutateFunctions {
  const store = useSyncStore();
  return useMemo(() => {
    const functions: Partial<Record<MutatorName, unknown>> = {};
    for (const name of Object.keys(mutators) as MutatorName[]) {
      functions[name] = (args: never) => store.mutate(name, args);
    }
    return functions as MutateFunctions;
  }, [store]);
}

/** live, connecting (first time) or reconnecting. */
export function useConnectionState(): ConnectionState {
  const store = useSyncStore();
  return useSyncExternalStore(
    (onChange) => store.subscribe(onChange),
    () => store.connectionState,
    () => 'connecting',
  );
}

/** 'retrying' while a mutation waits to be sent again (offline, or the server failed before committing it). */
export function useSendState(): SendState {
  const store = useSyncStore();
  return useSyncExternalStore(
    (onChange) => store.subscribe(onChange),
    () => store.sendState,
    () => 'ok',
  );
}

/** Calls `onError` for every mutation that failed (locally or on the server). */
export function useMutationErrors(onError: (failure: MutationFailure) => void): void {
  const store = useSyncStore();
  useEffect(() => store.onError(onError), [store, onError]);
}
