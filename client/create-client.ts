/**
 * A typed tRPC client for scripts and tests (Node): every procedure of the app with its input and output types.
 *
 *   const client = createClient({ url: 'http://localhost:3000' });
 *   const todos = await client.todos.list.query();
 */
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@/server/router-type';
import { SESSION_COOKIE } from '@/server/session';
import { createLinks } from './links';

export interface ClientOptions {
  /** Base URL of a running server, e.g. http://localhost:3000. */
  url: string;
  /**
   * A session cookie value to act as an existing user. Without one, the server makes a new anonymous user on the
   * first call and this client keeps its cookie, so all calls of one client act as the same user.
   */
  sessionCookie?: string;
}

/** The typed client: `client.<router>.<procedure>.query(input)` / `.mutate(input)`. */
export type AppClient = TRPCClient<AppRouter>;

/** Builds a typed client for a running server. */
export function createClient(options: ClientOptions): AppClient {
  const jar = new Map<string, string>();
  if (options.sessionCookie) jar.set(SESSION_COOKIE, options.sessionCookie);
  const cookieHeader = () =>
    [...jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');

  const fetchWithCookies: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size > 0) headers.set('cookie', cookieHeader());
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1).trim()));
    }
    return response;
  };

  return createTRPCClient<AppRouter>({
    links: createLinks({ baseUrl: options.url.replace(/\/$/, ''), fetch: fetchWithCookies }),
  });
}
