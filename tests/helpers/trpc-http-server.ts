/**
 * The app's tRPC router on a real loopback HTTP server (queries, mutations and SSE subscriptions), over a test
 * runtime, for tests that need real sockets without a Next build. Sessions are the app's Better Auth sessions (tests/helpers/auth.ts makes them).
 */
import type { AddressInfo } from 'node:net';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { contextFromSession } from '@/server/context';
import { appRouter } from '@/server/routers/_app';
import type { Runtime } from '@/framework/server/runtime/runtime';

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
      contextFromSession(new Headers({ cookie: req.headers.cookie ?? '' }), { runtime, sessionSecret }),
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
