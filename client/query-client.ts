/**
 * One QueryClient recipe for the server (prefetch in server components) and the browser, so that what the server
 * dehydrates the browser hydrates with the same serializer.
 */
import { defaultShouldDehydrateQuery, QueryClient } from '@tanstack/react-query';
import superjson from 'superjson';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Server-rendered data is fresh on arrival: do not refetch it the moment the page hydrates.
        staleTime: 30_000,
      },
      dehydrate: {
        serializeData: superjson.serialize,
        // Also stream queries still pending at render time, so the client never refetches them.
        shouldDehydrateQuery: (query) =>
          defaultShouldDehydrateQuery(query) || query.state.status === 'pending',
      },
      hydrate: {
        deserializeData: superjson.deserialize,
      },
    },
  });
}
