/**
 * The store → React Query half of the bridge (the other half is framework/client/sync-link.ts): every synced
 * table's rows live in the React Query cache under the key of `trpc.sync.rows.<table>.queryOptions()`, written
 * synchronously whenever the store changes, so `useQuery` / `useSuspenseQuery` of that key read the store.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { TRPCClient } from '@trpc/client';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { LinkedStore } from '../client/sync-link';
import type { SyncClientRouter } from '../server/routers/sync';

/**
 * Writes each synced table's rows under its `sync.rows.<table>` query key (the key tRPC's options proxy gives
 * `trpc.sync.rows.todos.queryOptions()`), only for tables whose rows changed, and marks those queries as never
 * stale: the store keeps them current, so React Query has no reason to refetch (a refetch the app asks for anyway
 * is answered by the syncLink from the store, not the network).
 */
export function rowsPublisher(
  store: Pick<LinkedStore, 'tableNames' | 'rows'>,
  client: TRPCClient<SyncClientRouter>,
  queryClient: QueryClient,
): () => void {
  const trpc = createTRPCOptionsProxy<SyncClientRouter>({ client, queryClient });
  const rowsQueries = trpc.sync.rows as unknown as Record<string, { queryKey(): readonly unknown[] }>;
  queryClient.setQueryDefaults(trpc.sync.rows.pathKey(), {
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  const published = new Map<string, readonly unknown[]>();
  return () => {
    for (const table of store.tableNames) {
      const rows = store.rows(table);
      if (published.get(table) === rows) continue;
      published.set(table, rows);
      // The options proxy has a query for every name (it is a recursive proxy): always defined.
      const query = rowsQueries[table];
      if (query) queryClient.setQueryData(query.queryKey(), rows);
    }
  };
}
