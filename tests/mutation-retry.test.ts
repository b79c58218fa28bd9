/**
 * Issue 12 item 4: one failed request never wedges a tab. Over real HTTP, the server says in every error of a
 * numbered mutation whether its id was consumed; the client store sends again (same id) what was not, and
 * renumbers what it has not sent yet when the server reports an id gap.
 */
import { TRPCClientError } from '@trpc/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type AppClient } from '@/client/create-client';
import { type SendState } from '@/framework/client/store';
import { AppStore } from './helpers/app-typed';
import { createTrpcTransport } from '@/framework/client/trpc-transport';
import { todos } from '@/db/schema';
import { syncCommits } from '@/framework/server/schema';
import type { AppRouter } from '@/server/router-type';
import { readSnapshot } from './helpers/app-typed';
import { newSession } from './helpers/auth';
import { ensureUser } from '@/framework/server/users';
import { withFailingCommits, type FailingCommits } from './helpers/failing-commits';
import { pumpFeed } from './helpers/sync';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const SECRET = 'mutation-retry-secret-with-at-least-32-chars';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let failing: FailingCommits;
let server: TrpcHttpServer;

beforeAll(async () => {
  runtime = await createTestRuntime();
  failing = withFailingCommits(runtime);
  server = await startTrpcHttpServer(failing.runtime, SECRET);
});
afterAll(async () => {
  await server.close();
  await runtime.close();
});

async function newUserClient(): Promise<{ userId: string; client: AppClient }> {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  const client = createClient({
    url: server.url,
    sessionCookie: (await newSession(runtime, SECRET, userId)).cookie,
  });
  // The server's first request of a user runs a transaction of its own (users.ts): out of the way of the failures.
  await client.sync.snapshot.query();
  return { userId, client };
}

/** A store over HTTP, as a browser tab has it, following the feed. */
async function newTab(options: { maxServerRetries?: number } = {}) {
  const { userId, client } = await newUserClient();
  const store = new AppStore({
    snapshot: await readSnapshot(runtime, userId),
    transport: createTrpcTransport(client),
    retryDelayMs: 5,
    ...options,
  });
  const sendStates = new Set<SendState>();
  store.subscribe(() => sendStates.add(store.sendState));
  return { userId, store, feed: pumpFeed(runtime, store), sendStates };
}

const newTodo = (text: string) => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });

async function mutationIdsOf(clientId: string) {
  const rows = await runtime.db
    .select({ mutationId: syncCommits.mutationId })
    .from(syncCommits)
    .where(eq(syncCommits.clientId, clientId))
    .orderBy(syncCommits.version);
  return rows.map((row) => row.mutationId);
}

async function countTodos(userId: string, id: string) {
  const rows = await runtime.db
    .select()
    .from(todos)
    .where(and(eq(todos.ownerId, userId), eq(todos.id, id)));
  return rows.length;
}

/** The error a call fails with (the test fails if it succeeds). */
async function errorOf(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a tRPC error, got ${String(error)}`);
  // Typed from the server's error formatter: `data.mutation` is part of the router's error shape.
  return error as TRPCClientError<AppRouter>;
}

describe('issue 12 item 4: a tab never wedges', () => {
  it('item 4: every error of a numbered mutation says whether its id was consumed', async () => {
    const { client } = await newUserClient();
    const clientId = crypto.randomUUID();
    const first = newTodo('first');

    failing.failNext(1);
    const lost = await errorOf(client.mutators.addTodo.mutate({ args: first, clientId, mutationId: 1 }));
    expect(lost.data?.httpStatus).toBe(500);
    expect(lost.data?.mutation).toEqual({ consumed: false, expectedMutationId: null });
    expect(await mutationIdsOf(clientId)).toEqual([]);

    // Not consumed: the same id goes through now.
    await client.mutators.addTodo.mutate({ args: first, clientId, mutationId: 1 });
    expect(await mutationIdsOf(clientId)).toEqual([1]);

    // A refusal (the mutator threw) consumes its id, as before.
    const refused = await errorOf(
      client.mutators.setTodoText.mutate({
        args: { id: crypto.randomUUID(), text: 'x', updatedAt: new Date() },
        clientId,
        mutationId: 2,
      }),
    );
    expect(refused.data?.code).toBe('NOT_FOUND');
    expect(refused.data?.mutation).toEqual({ consumed: true, expectedMutationId: null });

    // An id gap consumes nothing and names the id the server expects.
    const gap = await errorOf(
      client.mutators.addTodo.mutate({ args: newTodo('early'), clientId, mutationId: 5 }),
    );
    expect(gap.data?.code).toBe('CONFLICT');
    expect(gap.data?.mutation).toEqual({ consumed: false, expectedMutationId: 3 });
  });

  it('item 4: a mutation whose commit failed is sent again with the same id, applied exactly once, and later ones succeed', async () => {
    const { userId, store, feed, sendStates } = await newTab();
    const [a, b, c] = [newTodo('a'), newTodo('b'), newTodo('c')];

    failing.failNext(2); // The database fails the first two attempts of `a`, then is back.
    const handles = [a, b, c].map((todo) => store.mutate('addTodo', todo));
    const results = await Promise.all(handles.map((handle) => handle.settled));

    expect(results).toMatchObject([{ ok: true }, { ok: true }, { ok: true }]);
    expect(failing.pending).toBe(0);
    expect(sendStates).toContain('retrying');
    expect(store.sendState).toBe('ok');
    expect(await mutationIdsOf(store.clientId)).toEqual([1, 2, 3]);
    for (const todo of [a, b, c]) expect(await countTodos(userId, todo.id)).toBe(1);
    await feed.stop();
  });

  it('item 4: after a mutation is given up without consuming its id, the id gap renumbers the next ones and they succeed', async () => {
    const { userId, store, feed } = await newTab({ maxServerRetries: 2 });
    const [lost, queued] = [newTodo('lost'), newTodo('queued behind it')];

    // Down for longer than the store retries: the first mutation is given up (1 attempt + 2 retries).
    failing.failNext(3);
    const lostHandle = store.mutate('addTodo', lost);
    const queuedHandle = store.mutate('addTodo', queued);
    expect(await lostHandle.settled).toMatchObject({
      ok: false,
      failure: { code: 'INTERNAL_SERVER_ERROR' },
    });
    // Sent as id 2, refused as a gap ("expected 1"), renumbered to 1 and applied.
    expect(await queuedHandle.settled).toMatchObject({ ok: true });

    // The database is back: the tab goes on without a reload.
    const later = newTodo('later');
    expect(await store.mutate('addTodo', later).settled).toMatchObject({ ok: true });

    expect(await mutationIdsOf(store.clientId)).toEqual([1, 2]);
    expect(await countTodos(userId, lost.id)).toBe(0);
    expect(await countTodos(userId, queued.id)).toBe(1);
    expect(await countTodos(userId, later.id)).toBe(1);
    expect(store.rows('todos').map((todo) => todo.id)).not.toContain(lost.id);
    await feed.stop();
  });
});
