/**
 * Typed clients of the bench router, each acting as its own signed-in user (a Better Auth session of the server's
 * database), with the app's wire format: batched HTTP links and superjson.
 */
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { Runtime } from '@/framework/server';
import { newSession } from '../../tests/helpers/auth';
import type { BenchRouter } from './bench-router';

export type BenchClient = TRPCClient<BenchRouter>;

/** `Cookie` header values for `count` new users. */
export async function newSessionCookies(
  count: number,
  runtime: Runtime,
  sessionSecret: string,
): Promise<string[]> {
  const cookies: string[] = [];
  // One at a time: PGlite runs one query at a time anyway.
  for (let i = 0; i < count; i++) cookies.push((await newSession(runtime, sessionSecret)).cookie);
  return cookies;
}

export function createBenchClient(url: string, cookie: string): BenchClient {
  return createTRPCClient<BenchRouter>({
    links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson, headers: () => ({ cookie }) })],
  });
}
