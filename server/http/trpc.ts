/**
 * The tRPC endpoint for the Next route handler at app/api/trpc/[trpc].
 */
import 'server-only';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createRequestContext } from '../context';
import { appRouter } from '../routers/_app';

/** The path the route is mounted at; clients use the same constant. */
export const TRPC_ENDPOINT = '/api/trpc';

export function handleTrpcRequest(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: request,
    router: appRouter,
    createContext: () => createRequestContext(request),
    onError({ error, path }) {
      // Client mistakes (4xx) are answered and need no log; anything else is our bug and must be seen.
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[trpc] ${path ?? '<no path>'} failed:`, error);
    },
  });
}
