/**
 * The bench router over node:http (tRPC's standalone adapter), with the app's own request context: session cookie
 * → user, exactly as the Next route builds it. Both arms of the comparison go through this one server, so
 * whatever it costs beyond Next's route handler cancels out of the ratio.
 */
import type { AddressInfo } from 'node:net';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { createRequestContext } from '@/server/context';
import type { Runtime } from '@/framework/server';
import { benchRouter } from './bench-router';

export interface BenchServer {
  /** Base URL; procedures are under `${url}/api/trpc`, as in the app. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startBenchServer(runtime: Runtime, sessionSecret: string): Promise<BenchServer> {
  const server = createHTTPServer({
    router: benchRouter,
    basePath: '/api/trpc/',
    createContext: ({ req }) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      return createRequestContext(new Request(`http://127.0.0.1${req.url ?? '/'}`, { headers }), {
        runtime,
        sessionSecret,
      });
    },
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`[bench] ${path ?? '<no path>'} failed:`, error);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      // Keep-alive connections from the clients would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
