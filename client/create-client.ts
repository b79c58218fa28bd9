/**
 * A typed tRPC client for scripts and tests (Node): every procedure of the app with its input and output types,
 * queries and mutations over HTTP and subscriptions (the change feed, streaming procedures) over SSE.
 *
 *   const client = createClient({ url: 'http://localhost:3000', token: process.env.APP_TOKEN });
 *   const todos = await client.todos.list.query();
 */
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '@/server/router-type';
import { createLinks } from './links';

export interface ClientOptions {
  /** Base URL of a running server, e.g. http://localhost:3000. */
  url: string;
  /** An API token (made on the settings page): the client acts as the token's user. */
  token?: string;
  /**
   * Without a token: a browser's session cookie as a Cookie header pair (`starter.session_token=…`), to act as that
   * browser's user. With neither, the server makes a new guest on the first call and this client keeps its cookie,
   * so all its calls act as that user.
   */
  sessionCookie?: string;
  /** The fetch to send requests with (default: the global one); tests use it to cut connections. */
  fetch?: typeof fetch;
}

/** The typed client: `client.<router>.<procedure>.query(input)` / `.mutate(input)` / `.subscribe(input, handlers)`. */
export type AppClient = TRPCClient<AppRouter>;

/** Builds a typed client for a running server. */
export function createClient(options: ClientOptions): AppClient {
  const baseFetch = options.fetch ?? fetch;
  const jar = new Map<string, string>();
  for (const pair of options.sessionCookie?.split(';') ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1).trim()));
  }

  // One fetch for HTTP and SSE alike, so both carry the same credentials.
  const authedFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (options.token) headers.set('authorization', `Bearer ${options.token}`);
    else if (jar.size > 0) {
      headers.set(
        'cookie',
        [...jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; '),
      );
    }
    const response = await baseFetch(input, { ...init, headers });
    if (!options.token) {
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        if (eq > 0) jar.set(pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1).trim()));
      }
    }
    return response;
  };

  // Node has no EventSource of its own; this one reconnects by itself and lets us set the request's headers.
  class AuthedEventSource extends EventSource {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, { ...init, fetch: authedFetch });
    }
  }

  return createTRPCClient<AppRouter>({
    links: createLinks({
      baseUrl: options.url.replace(/\/$/, ''),
      fetch: authedFetch,
      EventSource: AuthedEventSource as unknown as typeof globalThis.EventSource,
    }),
  });
}
