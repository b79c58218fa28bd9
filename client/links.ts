/**
 * The tRPC links shared by the browser and scripts: one place decides the wire format.
 */
import { httpBatchLink, type TRPCLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '@/server/router-type';

export const TRPC_PATH = '/api/trpc';

export interface LinkOptions {
  /** Absolute base URL of the server, e.g. http://localhost:3000; empty in the browser (same origin). */
  baseUrl: string;
  /** Extra request headers (cookies, later an Authorization token). */
  headers?: () => Record<string, string>;
  /** A custom fetch, e.g. one that keeps cookies between calls. */
  fetch?: typeof fetch;
}

export function createLinks(options: LinkOptions): TRPCLink<AppRouter>[] {
  return [
    httpBatchLink({
      url: `${options.baseUrl}${TRPC_PATH}`,
      transformer: superjson,
      headers: options.headers,
      fetch: options.fetch,
    }),
  ];
}
