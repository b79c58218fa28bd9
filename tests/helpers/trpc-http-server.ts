/**
 * The app's tRPC router on a real loopback HTTP server (queries, mutations and SSE subscriptions), over a test
 * runtime, for tests that need real sockets without a Next build. Sessions are the same signed cookies as the app's.
 */
import type { AddressInfo } from 'node:net';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { contextFromSessionCookie } from '@/server/context';
import { appRouter } from '@/server/routers/_app';
import type { Runtime } from '@/framework/server/runtime/runtime';
import { readCookie, SESSION_COOKIE } from '@/server/session';

export interface TrpcHttpServer {
  /** Base URL for `createClient({ url })`. */
  url: string;
  close(): Promise<void>;
}

export async function startTrpcHttpServer(runtime: Runtime, sessionSecret: string): Promise<TrpcHttpServer> {
  const server = createHTTPServer({
    router: appRouter,
    basePath: '/api/trpc/',
    createContext: ({ req }) =>
      contextFromSessionCookie(readCookie(req.headers.cookie ?? null, SESSION_COOKIE), {
        runtime,
        sessionSecret,
      }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
