/**
 * The app's tRPC router on a real loopback HTTP server (queries, mutations and SSE subscriptions), over a test
 * runtime, for tests that need real sockets without a Next build. Sessions are the app's Better Auth sessions
 * (tests/helpers/auth.ts makes them).
 * As in the app's route (server/http/trpc.ts), a GET of the change feed goes to the framework's feed endpoint first
 * and to tRPC only when the endpoint does not take it; `{ feed: 'trpc' }` serves it with tRPC's own producer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createFeedEndpoint } from '@/framework/server/feed/feed-endpoint';
import { contextFromSession } from '@/server/context';
import { appRouter } from '@/server/routers/_app';
import type { Runtime } from '@/framework/server/runtime/runtime';

export interface TrpcHttpServer {
  /** Base URL for `createClient({ url })`. */
  url: string;
  close(): Promise<void>;
}

export async function startTrpcHttpServer(
  runtime: Runtime,
  sessionSecret: string,
  options: { feed?: 'endpoint' | 'trpc' } = {},
): Promise<TrpcHttpServer> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/api/trpc/',
    createContext: ({ req }) =>
      contextFromSession(new Headers({ cookie: req.headers.cookie ?? '' }), { runtime, sessionSecret }),
  });
  const feed = createFeedEndpoint({
    router: appRouter,
    endpoint: '/api/trpc',
    createContext: (request) => contextFromSession(request.headers, { runtime, sessionSecret }),
  });
  const useFeed = (options.feed ?? 'endpoint') === 'endpoint';
  const server = createServer((req, res) => {
    if (!useFeed || req.method !== 'GET') {
      trpc(req, res);
      return;
    }
    serveFeed(feed, req, res).then(
      (served) => {
        if (!served) trpc(req, res);
      },
      (error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))),
    );
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

/** Serves `req` through the feed endpoint (a fetch-style handler) when it takes it; false when it does not. */
async function serveFeed(
  feed: ReturnType<typeof createFeedEndpoint>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const disconnected = new AbortController();
  res.on('close', () => disconnected.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    headers,
    signal: disconnected.signal,
  });
  const response = await feed(request);
  if (!response) return false;
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return true;
  }
  const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
  res.on('close', () => body.destroy());
  body.pipe(res);
  return true;
}
