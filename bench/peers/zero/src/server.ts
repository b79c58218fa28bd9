/**
 * The Zero peer's API server: the page (bundled by esbuild at start-up), a visitor cookie with three seeded todos
 * (as the app does), and the two endpoints zero-cache calls: /api/query (synced queries) and /api/mutate (custom
 * mutators, run in a transaction on the upstream database by Zero's node-postgres adapter).
 *
 *   node src/server.ts --port=N --database-url=postgres://… --cache-url=http://127.0.0.1:M [--delay-token=T]
 *
 * zero-cache forwards the cookie and, from the page's WebSocket request, `x-test-delay-ms` / `x-test-delay-token`:
 * with the matching token, a push is held that long (the bench's "slow server").
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mustGetMutator, mustGetQuery } from '@rocicorp/zero';
import { handleMutateRequest, handleQueryRequest } from '@rocicorp/zero/server';
import { zeroNodePg } from '@rocicorp/zero/server/adapters/pg';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { mutators, queries, schema } from './schema.ts';

const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? '';
const port = Number(option('port'));
const databaseUrl = option('database-url');
const cacheUrl = option('cache-url');
const delayToken = option('delay-token');
if (!port || !databaseUrl || !cacheUrl) {
  throw new Error('usage: node src/server.ts --port=N --database-url=postgres://… --cache-url=http://…');
}

const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const dbProvider = zeroNodePg(schema, databaseUrl);

const bundle = await esbuild.build({
  entryPoints: [path.join(import.meta.dirname, 'client.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  write: false,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', __CACHE_URL__: JSON.stringify(cacheUrl) },
});
const appJs = bundle.outputFiles[0]?.text ?? '';
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Zero peer</title></head>
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

/** node:http request → a web Request (Zero's handlers read the body and the query string from it). */
async function toRequest(request: http.IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  return new Request(`http://127.0.0.1:${port}${request.url ?? '/'}`, {
    method: request.method,
    headers,
    body: Buffer.concat(chunks),
  });
}

async function api(request: http.IncomingMessage, url: string): Promise<unknown> {
  const userID = userIdOf(request);
  if (!userID) throw new Error('no session cookie (zero-cache must forward cookies)');
  const ctx = { userID };
  const webRequest = await toRequest(request);
  if (url.startsWith('/api/query')) {
    return handleQueryRequest({
      handler: (name, args) => mustGetQuery(queries, name).fn({ args, ctx }),
      schema,
      request: webRequest,
      userID,
      logLevel: 'error',
    });
  }
  const held = delayToken !== '' && request.headers['x-test-delay-token'] === delayToken;
  if (held) await sleep(Number(request.headers['x-test-delay-ms'] ?? 0));
  return handleMutateRequest({
    dbProvider,
    handler: (transact) =>
      transact((tx, name, args) => mustGetMutator(mutators, name).fn({ tx, args, ctx }) as Promise<void>),
    request: webRequest,
    userID,
    logLevel: 'error',
  });
}

const server = http.createServer((request, response) => {
  const url = request.url ?? '/';
  if (url === '/api/health') return void response.end('ok');
  if (url === '/app.js') {
    response.setHeader('content-type', 'text/javascript');
    return void response.end(appJs);
  }
  const fail = (error: unknown) => {
    console.error(error);
    response.statusCode = 500;
    response.end(String(error));
  };
  if (url.startsWith('/api/query') || url.startsWith('/api/mutate')) {
    void api(request, url).then((body) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    }, fail);
    return;
  }
  if (url === '/') {
    const known = userIdOf(request);
    void (known ? Promise.resolve(known) : newVisitor()).then((userId) => {
      // Readable by the page: Zero's client needs the user id; the cookie reaches zero-cache (same host).
      response.setHeader('set-cookie', `peer_uid=${userId}; Path=/; SameSite=Lax`);
      response.setHeader('content-type', 'text/html');
      response.end(PAGE);
    }, fail);
    return;
  }
  response.statusCode = 404;
  response.end();
});
server.listen(port, '127.0.0.1', () => console.log(`Zero peer API on http://127.0.0.1:${port}`));
const stop = () => server.close(() => void db.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
