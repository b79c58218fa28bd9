/**
 * The tRPC endpoint for the Next route handler at app/api/trpc/[trpc].
 */
import 'server-only';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createRequestContext, type ContextDeps } from '../context';
import { getContextDeps } from '../instance';
import { appRouter } from '../routers/_app';
import { withSseRetry } from './sse-retry';

/** The path the route is mounted at (client/links.ts uses the same path). */
export const TRPC_ENDPOINT = '/api/trpc';

/** Builds a tRPC request handler over the given dependencies (tests pass their own database). */
export function createTrpcHandler(
  getDeps: () => Promise<ContextDeps>,
): (request: Request) => Promise<Response> {
  return async (request) =>
    withSseRetry(
      await fetchRequestHandler({
        endpoint: TRPC_ENDPOINT,
        req: request,
        router: appRouter,
        createContext: async () => createRequestContext(request, await getDeps()),
        onError({ error, path }) {
          // Client mistakes (4xx) are answered and need no log; anything else is our bug and must be seen.
          if (error.code === 'INTERNAL_SERVER_ERROR')
            console.error(`[trpc] ${path ?? '<no path>'} failed:`, error);
        },
      }),
    );
}

/** The app's handler: the process runtime and the configured session secret. */
export const handleTrpcRequest = createTrpcHandler(getContextDeps);
