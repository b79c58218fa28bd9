/**
 * tRPC for server components: prefetch a query while rendering, and hand the result to client components through
 * <HydrateClient>, so the first paint already has the data (no loading state, no second request).
 *
 *   await prefetch(trpc.todos.list.queryOptions());
 *   return <HydrateClient><TodoList /></HydrateClient>;
 */
import 'server-only';
import { dehydrate, HydrationBoundary, type FetchQueryOptions, type QueryKey } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { headers } from 'next/headers';
import { cache, type ReactNode } from 'react';
import { makeQueryClient } from '@/client/query-client';
import { contextFromSession } from './context';
import { getContextDeps } from './instance';
import { appRouter } from './routers/_app';

/** One QueryClient per request (React's `cache` scopes it to the render). */
const getQueryClient = cache(makeQueryClient);

const getContext = cache(async () => contextFromSession(await headers(), await getContextDeps()));

/** Query options for every procedure, resolved in-process (no HTTP round trip). */
export const trpc = createTRPCOptionsProxy({
  ctx: getContext,
  router: appRouter,
  queryClient: getQueryClient,
});

/** Runs a query during the render and keeps its result for {@link HydrateClient}. Errors surface in the page. */
export async function prefetch<TQueryFnData, TError, TData, TQueryKey extends QueryKey>(
  options: FetchQueryOptions<TQueryFnData, TError, TData, TQueryKey>,
): Promise<void> {
  await getQueryClient().fetchQuery(options);
}

/** Passes everything prefetched in this request to the client components below it. */
export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
