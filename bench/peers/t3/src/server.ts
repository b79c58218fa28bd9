/**
 * The create-t3-app-way peer: a tRPC standalone server on the project's PostgreSQL database (its `users` and
 * `todos` tables, already migrated by the app), serving a small React page bundled by esbuild at start-up.
 * A visitor gets a cookie and three seeded todos on first load, as the app does.
 *
 *   node src/server.ts --port=N --database-url=postgres://… [--delay-token=T]
 *
 * A request carrying `x-test-delay-ms` and the matching `x-test-delay-token` has its mutation held that long,
 * like the app's ALLOW_TEST_DELAY: the bench's "slow server".
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { appRouter } from './router.ts';

const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? '';
const port = Number(option('port'));
const databaseUrl = option('database-url');
const delayToken = option('delay-token');
if (!port || !databaseUrl) throw new Error('usage: node src/server.ts --port=N --database-url=postgres://…');

const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const COOKIE = 'peer_uid';

const bundle = await esbuild.build({
  entryPoints: [path.join(import.meta.dirname, 'client.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  write: false,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
});
const appJs = bundle.outputFiles[0]?.text ?? '';
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>t3 peer</title></head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;

function userIdOf(request: http.IncomingMessage): string | null {
  const match = /(?:^|;\s*)peer_uid=([0-9a-f-]{36})/.exec(request.headers.cookie ?? '');
  return match?.[1] ?? null;
}

async function newVisitor(): Promise<string> {
  const userId = randomUUID();
  await db.query('insert into users (id) values ($1)', [userId]);
  for (const [index, text] of ['Buy milk', 'Write the report', 'Call the bank'].entries()) {
    await db.query('insert into todos (id, owner_id, text, position) values ($1, $2, $3, $4)', [
      randomUUID(),
      userId,
      text,
      index + 1,
    ]);
  }
  return userId;
}

const trpc = createHTTPHandler({
  router: appRouter,
  basePath: '/api/trpc/',
  createContext: ({ req }) => {
    const userId = userIdOf(req);
    if (!userId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'no session cookie: open / first' });
    const held = req.headers['x-test-delay-token'] === delayToken && delayToken !== '';
    return { db, userId, holdMs: held ? Number(req.headers['x-test-delay-ms'] ?? 0) : 0 };
  },
});

const server = http.createServer((request, response) => {
  const url = request.url ?? '/';
  if (url.startsWith('/api/trpc/')) return void trpc(request, response);
  if (url === '/api/health') return void response.end('ok');
  if (url === '/app.js') {
    response.setHeader('content-type', 'text/javascript');
    return void response.end(appJs);
  }
  if (url === '/') {
    const known = userIdOf(request);
    void (known ? Promise.resolve(known) : newVisitor()).then(
      (userId) => {
        response.setHeader('set-cookie', `${COOKIE}=${userId}; Path=/; HttpOnly; SameSite=Lax`);
        response.setHeader('content-type', 'text/html');
        response.end(PAGE);
      },
      (error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      },
    );
    return;
  }
  response.statusCode = 404;
  response.end();
});
server.listen(port, '127.0.0.1', () => console.log(`t3 peer on http://127.0.0.1:${port}`));
const stop = () => server.close(() => void db.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
