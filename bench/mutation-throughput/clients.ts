/**
 * Typed clients of the bench router, each acting as its own signed-in user (a session cookie signed with the
 * server's secret), with the app's wire format: batched HTTP links and superjson.
 */
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import { SESSION_COOKIE, signSession } from '@/server/session';
import type { BenchRouter } from './bench-router';

export type BenchClient = TRPCClient<BenchRouter>;

/** `Cookie` header values for `count` new users. */
export async function newSessionCookies(count: number, sessionSecret: string): Promise<string[]> {
  return Promise.all(
    Array.from(
      { length: count },
      async () =>
        `${SESSION_COOKIE}=${encodeURIComponent(await signSession({ userId: crypto.randomUUID() }, sessionSecret))}`,
    ),
  );
}

export function createBenchClient(url: string, cookie: string): BenchClient {
  return createTRPCClient<BenchRouter>({
    links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson, headers: () => ({ cookie }) })],
  });
}
