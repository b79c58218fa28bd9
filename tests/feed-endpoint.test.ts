/**
 * The feed endpoint (framework/server/feed/feed-endpoint.ts) serves `sync.changes` itself, so it must be
 * indistinguishable from tRPC's own SSE producer: the same request gives byte-identical frames (a fresh snapshot, a
 * resume by Last-Event-ID, a schema-version refusal), the same headers, and the typed client
 * (httpSubscriptionLink) reads it unchanged. Requests it must not take (other methods, batches, bad input, no
 * session, a foreign origin) are left to tRPC, which answers them as before. One frame per message is shared by
 * every stream that sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { tracked } from '@trpc/server';
import { createClient } from '@/client/create-client';
import { createFeedEndpoint } from '@/framework/server/feed/feed-endpoint';
import { createFrameEncoder } from '@/framework/server/feed/sse-frames';
import { executeMutation } from '@/framework/server/runtime/executor';
import { ensureUser } from '@/framework/server/users';
import { schemaVersion } from '@/mutators/schema-version';
import { createRequestContext, type ContextDeps } from '@/server/context';
import { createTrpcHandler, TRPC_ENDPOINT } from '@/server/http/trpc';
import { SSE_RECONNECT_MS, withSseRetry } from '@/server/http/sse-retry';
import { appRouter } from '@/server/routers/_app';
import { newSession } from './helpers/auth';
import { readSse } from './helpers/sse-reader';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const secret = 'feed-endpoint-secret-with-at-least-32-characters';
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let deps: ContextDeps;
/** The app's route handler: the feed endpoint first, tRPC for the rest. */
let appHandler: (request: Request) => Promise<Response>;
/** The feed endpoint alone (null: not taken). */
let endpoint: ReturnType<typeof createFeedEndpoint>;

/** tRPC's own answer, as the app's route gave it before the endpoint existed. */
async function trpcHandler(request: Request): Promise<Response> {
  return withSseRetry(
    await fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: request,
      router: appRouter,
      createContext: () => createRequestContext(request, deps),
    }),
  );
}

beforeAll(async () => {
  runtime = await createTestRuntime();
  deps = { runtime, sessionSecret: secret };
  appHandler = createTrpcHandler(async () => deps);
  endpoint = createFeedEndpoint({
    router: appRouter,
    endpoint: TRPC_ENDPOINT,
    createContext: (request) => createRequestContext(request, deps),
    retryMs: SSE_RECONNECT_MS,
  });
});
afterAll(() => runtime.close());

async function newUser() {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  return { userId, cookie: (await newSession(runtime, secret, userId)).cookie };
}

function feedRequest(
  input: unknown,
  headers: Record<string, string>,
  signal?: AbortSignal,
  query = '',
): Request {
  const encoded = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
  return new Request(`http://test.local/api/trpc/sync.changes?input=${encoded}${query}`, { headers, signal });
}

/** The raw text of a response until `events` events (each ends in "\n\n\n") have arrived, then disconnects. */
async function firstEvents(response: Response, events: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 10_000;
  while (text.split('\n\n\n').length - 1 < events) {
    if (Date.now() > deadline) throw new Error(`only this arrived:\n${text}`);
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** The same request to tRPC's producer and to the endpoint: both texts, and both responses' status and headers. */
async function bothWays(input: unknown, headers: Record<string, string>, events: number) {
  const fromTrpc = await trpcHandler(feedRequest(input, headers));
  const fromEndpoint = await endpoint(feedRequest(input, headers));
  if (!fromEndpoint) throw new Error('the endpoint did not take the request');
  const head = (response: Response) => ({
    status: response.status,
    headers: [...response.headers].filter(([name]) => name !== 'date').sort(([a], [b]) => a.localeCompare(b)),
  });
  return {
    trpc: { ...head(fromTrpc), text: await firstEvents(fromTrpc, events) },
    endpoint: { ...head(fromEndpoint), text: await firstEvents(fromEndpoint, events) },
  };
}

const newTodo = (text: string) => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });

describe('the feed endpoint against tRPC’s SSE producer', () => {
  it('a fresh subscription: byte-identical retry field, connected event and snapshot, same headers', async () => {
    const { cookie } = await newUser();
    const { trpc, endpoint: ours } = await bothWays({ lastEventId: null, schemaVersion }, { cookie }, 2);
    expect(ours.text).toBe(trpc.text);
    expect(ours.text.startsWith(`retry: ${SSE_RECONNECT_MS}\n\nevent: connected\n`)).toBe(true);
    expect(ours.text).toMatch(/"type":"reset"[\s\S]*\nid: \d+\n\n\n$/);
    expect(ours.status).toBe(trpc.status);
    expect(ours.headers).toEqual(trpc.headers);
  });

  it('a resume by Last-Event-ID: byte-identical changes event (dates through superjson)', async () => {
    const { userId, cookie } = await newUser();
    const { version } = await executeMutation(runtime, userId, 'addTodo', { args: newTodo('before') });
    await executeMutation(runtime, userId, 'addTodo', { args: newTodo('after') });
    const { trpc, endpoint: ours } = await bothWays(
      { schemaVersion },
      { cookie, 'last-event-id': String(version) },
      2,
    );
    expect(ours.text).toBe(trpc.text);
    expect(ours.text).toContain('"type":"changes"');
    expect(ours.text).toContain('"after"');
    expect(ours.text).not.toContain('"before"');
    expect(ours.text).toContain('"Date"');
  });

  it('a page of another schema version: the same serialized-error event, then the end', async () => {
    const { cookie } = await newUser();
    const { trpc, endpoint: ours } = await bothWays(
      { lastEventId: null, schemaVersion: schemaVersion + 1 },
      { cookie },
      2,
    );
    // Identical but for the stack trace, which the error shape carries in development only (tRPC's isDev).
    const withoutStack = (text: string) => text.replace(/"stack":"(?:[^"\\]|\\.)*",/, '');
    expect(withoutStack(ours.text)).toBe(withoutStack(trpc.text));
    expect(ours.text).toContain('event: serialized-error\n');
    expect(ours.text).toContain('PRECONDITION_FAILED');
  });

  it('the typed client (httpSubscriptionLink) reads it: snapshot, then a change with its tracked id', async () => {
    const server: TrpcHttpServer = await startTrpcHttpServer(runtime, secret);
    try {
      const { userId, cookie } = await newUser();
      const client = createClient({
        url: server.url,
        sessionCookie: cookie,
      });
      const received: { id: string; type: string }[] = [];
      const errors: unknown[] = [];
      let seen: () => void = () => {};
      const second = new Promise<void>((resolve) => (seen = resolve));
      const subscription = client.sync.changes.subscribe(
        { lastEventId: null },
        {
          onData: ({ id, data }) => {
            received.push({ id, type: data.type });
            if (received.length === 1)
              void executeMutation(runtime, userId, 'addTodo', { args: newTodo('live') });
            else seen();
          },
          onError: (error) => errors.push(error),
        },
      );
      await second;
      subscription.unsubscribe();
      expect(errors).toEqual([]);
      expect(received.map((event) => event.type)).toEqual(['reset', 'changes']);
      expect(Number(received[1]?.id)).toBeGreaterThan(Number(received[0]?.id));
    } finally {
      await server.close();
    }
  });
});

describe('what the endpoint leaves to tRPC', () => {
  it('bad input, no session, a foreign origin, a batch, another method: null, and the route answers as before', async () => {
    const { cookie } = await newUser();
    const cases: [string, () => Request][] = [
      ['bad input', () => feedRequest({ lastEventId: 'not-a-version' }, { cookie })],
      ['no session', () => feedRequest({ lastEventId: null }, {})],
      ['a foreign origin', () => feedRequest({ lastEventId: null }, { cookie, origin: 'https://evil.test' })],
      ['a batch', () => feedRequest({ 0: { lastEventId: null } }, { cookie }, undefined, '&batch=1')],
      [
        'unparsable input',
        () => new Request('http://test.local/api/trpc/sync.changes?input=%7B', { headers: { cookie } }),
      ],
      [
        'a POST',
        () => new Request('http://test.local/api/trpc/sync.changes', { method: 'POST', headers: { cookie } }),
      ],
    ];
    for (const [what, request] of cases) {
      const guarded = createFeedEndpoint({
        router: appRouter,
        endpoint: TRPC_ENDPOINT,
        createContext: async (req) => {
          if (req.headers.get('origin')) throw new Error('foreign');
          return createRequestContext(req, deps);
        },
      });
      expect(await guarded(request()), what).toBeNull();
    }
  });

  it('bad input through the route: the field-named error, as tRPC gives it', async () => {
    const { cookie } = await newUser();
    const response = await appHandler(feedRequest({ lastEventId: 'not-a-version' }, { cookie }));
    const reader = readSse(response.body ?? new ReadableStream());
    const event = await reader.waitFor((e) => e.event === 'serialized-error', 'the input error');
    await reader.cancel();
    const error = superjson.deserialize<{ data: { code: string; issues: { path: string[] }[] } }>(
      JSON.parse(event.data),
    );
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(error.data.issues[0]?.path).toEqual(['lastEventId']);
  });

  it('no session through the route: 401, not a stream that reconnects forever', async () => {
    const response = await appHandler(feedRequest({ lastEventId: null }, {}));
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });
});

describe('streams of the endpoint', () => {
  it('end with SERVICE_UNAVAILABLE (retryable) when the server shuts down', async () => {
    const own = await createTestRuntime();
    try {
      const userId = crypto.randomUUID();
      await ensureUser(own, userId);
      const { cookie } = await newSession(own, secret, userId);
      const ownEndpoint = createFeedEndpoint({
        router: appRouter,
        endpoint: TRPC_ENDPOINT,
        createContext: (request) => createRequestContext(request, { runtime: own, sessionSecret: secret }),
      });
      const response = await ownEndpoint(feedRequest({ lastEventId: null }, { cookie }));
      if (!response?.body) throw new Error('the endpoint did not take the request');
      const reader = readSse(response.body);
      await reader.waitFor((event) => event.id !== undefined, 'the snapshot');
      own.beginShutdown();
      const error = await reader.waitFor((event) => event.event === 'serialized-error', 'the error');
      await reader.ended;
      expect(error.data).toContain('SERVICE_UNAVAILABLE');
    } finally {
      await own.close();
    }
  });

  it('a disconnect ends the subscription: its generator returns, its credential watch closes', async () => {
    const { cookie } = await newUser();
    const abort = new AbortController();
    const response = await endpoint(feedRequest({ lastEventId: null }, { cookie }, abort.signal));
    if (!response?.body) throw new Error('the endpoint did not take the request');
    const reader = readSse(response.body);
    await reader.waitFor((event) => event.id !== undefined, 'the snapshot');
    abort.abort();
    await reader.ended;
  });

  it('one tracked message is encoded once: every stream gets the same bytes', () => {
    const encode = createFrameEncoder((value) => superjson.serialize(value));
    const message = tracked('7', { type: 'changes', at: new Date(0) });
    const a = encode(message, { lastEventId: null });
    const b = encode(message, { lastEventId: '3' });
    expect(a[0]).toBe(b[0]);
    expect(new TextDecoder().decode(a[0])).toBe(
      `data: ${JSON.stringify(superjson.serialize({ type: 'changes', at: new Date(0) }))}\nid: 7\n\n\n`,
    );
  });

  it('an untracked value after an id: tRPC’s restore-id dance, so a reconnect still resumes', () => {
    const encode = createFrameEncoder((value) => value);
    const frames = encode({ n: 1 }, { lastEventId: '5' }).map((frame) => new TextDecoder().decode(frame));
    expect(frames).toEqual(['data: {"n":1}\nid: \n\n\n', 'event: restore-id\ndata: \nid: 5\n\n\n']);
  });
});
