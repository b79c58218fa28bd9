/**
 * The tRPC endpoint for the Next route handler at app/api/trpc/[trpc].
 */
import 'server-only';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createRequestContext, type ContextDeps } from '../context';
import { getContextDeps } from '../instance';
import { retryAfterOf } from '../limits/rate-limited-error';
import { appRouter } from '../routers/_app';

/** The path the route is mounted at (client/links.ts uses the same path). */
export const TRPC_ENDPOINT = '/api/trpc';

/** Builds a tRPC request handler over the given dependencies (tests pass their own database). */
export function createTrpcHandler(
  getDeps: () => Promise<ContextDeps>,
): (request: Request) => Promise<Response> {
  return (request) =>
    fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: request,
      router: appRouter,
      createContext: async () => createRequestContext(request, await getDeps()),
      responseMeta({ ctx, type, errors }) {
        // Every subscription needs a user. Without one (a revoked or unknown token) the answer is a 401, not a 200
        // whose one event is the error: an EventSource stops on a 401, where a 200 that ends makes it reconnect forever.
        if (type === 'subscription' && !ctx?.user) return { status: 401 };
        const retryAfter = errors.map(retryAfterOf).find((seconds) => seconds !== null);
        return retryAfter == null ? {} : { headers: new Headers({ 'retry-after': String(retryAfter) }) };
      },
      onError({ error, path }) {
        // Client mistakes (4xx) are answered and need no log; anything else is our bug and must be seen.
        if (error.code === 'INTERNAL_SERVER_ERROR')
          console.error(`[trpc] ${path ?? '<no path>'} failed:`, error);
      },
    });
}

/** The app's handler: the process runtime and the configured session secret. */
export const handleTrpcRequest = createTrpcHandler(getContextDeps);
