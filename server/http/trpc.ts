/**
 * The tRPC endpoint for the Next route handler at app/api/trpc/[trpc].
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createRequestContext, type ContextDeps } from '../context';
import { getContextDeps } from '../instance';
import { createFeedEndpoint, retryAfterOf } from '@/framework/server';
import { appRouter } from '../routers/_app';
import { foreignOriginReason, refuseMediaType } from './request-guards';
import { SSE_RECONNECT_MS, withSseRetry } from './sse-retry';

/** The path the route is mounted at (client/links.ts uses the same path). */
export const TRPC_ENDPOINT = '/api/trpc';

/**
 * Builds a tRPC request handler over the given dependencies (tests pass their own database). Every request from
 * another site is refused, GETs too: no query or subscription writes, but a subscription such as
 * streams.draftTodo spends model calls, which a foreign page must not start with the user's cookie. POSTs (the
 * mutations) take JSON only; tRPC's form-data and octet-stream inputs are not used by this app.
 */
export function createTrpcHandler(
  getDeps: () => Promise<ContextDeps>,
): (request: Request) => Promise<Response> {
  const createContext = async (request: Request) => {
    const deps = await getDeps();
    // Checked here, before the session is read, so the refusal is a tRPC error (403) clients can parse.
    const foreign = foreignOriginReason(request, deps.trustedOrigins);
    if (foreign !== null) throw new TRPCError({ code: 'FORBIDDEN', message: foreign });
    return createRequestContext(request, deps);
  };
  const onError = ({ error, path }: { error: TRPCError; path?: string }) => {
    // Client mistakes (4xx) are answered and need no log; anything else is our bug and must be seen.
    if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[trpc] ${path ?? '<no path>'} failed:`, error);
  };
  // The change feed's subscription, served with shared frames (framework/server/feed/feed-endpoint.ts); whatever it
  // does not take (other procedures, a feed request that fails before its stream starts) goes to tRPC below.
  const feed = createFeedEndpoint({
    router: appRouter,
    endpoint: TRPC_ENDPOINT,
    createContext,
    retryMs: SSE_RECONNECT_MS,
    onError,
  });
  return async (request) => {
    const wrongType = request.method === 'POST' ? refuseMediaType(request, ['application/json']) : null;
    if (wrongType) return wrongType;
    const fed = await feed(request);
    if (fed) return fed;
    return withSseRetry(
      await fetchRequestHandler({
        endpoint: TRPC_ENDPOINT,
        req: request,
        router: appRouter,
        createContext: () => createContext(request),
        responseMeta({ ctx, type, errors }) {
          // Every subscription needs a user. Without one (a revoked or unknown token) the answer is a 401, not a 200
          // whose one event is the error: an EventSource stops on a 401, where a 200 that ends makes it reconnect forever.
          if (type === 'subscription' && !ctx?.user) return { status: 401 };
          const retryAfter = errors.map(retryAfterOf).find((seconds) => seconds !== null);
          return retryAfter == null ? {} : { headers: new Headers({ 'retry-after': String(retryAfter) }) };
        },
        onError,
      }),
    );
  };
}

/** The app's handler: the process runtime and the configured session secret. */
export const handleTrpcRequest = createTrpcHandler(getContextDeps);
