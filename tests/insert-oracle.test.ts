/**
 * Issue 12 item 16: adding a row with an id another user's row holds answered FORBIDDEN, where a duplicate of one's
 * own row answers CONFLICT and every other mutator answers NOT_FOUND for another user's row: an existence oracle.
 * Now both answer the same CONFLICT, on the server (in-process and over HTTP) and in the client store. Why this
 * answer and not another is written at TableAccess.insert (mutators/define.ts).
 */
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore } from './helpers/app-typed';
import { createTrpcHandler } from '@/server/http/trpc';
import { executeMutation } from '@/framework/server/runtime/executor';
import { readSnapshot } from './helpers/app-typed';
import { sessionCookie, TEST_SECRET } from './helpers/chat';
import { fingerprint } from './helpers/fuzz-db';
import { directTransport, newClient } from './helpers/sync';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let trpc: (request: Request) => Promise<Response>;

beforeAll(async () => {
  runtime = await createTestRuntime();
  trpc = createTrpcHandler(async () => ({ runtime, sessionSecret: TEST_SECRET }));
});
afterAll(() => runtime?.close());

async function firstTodoOf(userId: string) {
  const [todo] = (await readSnapshot(runtime, userId)).tables.todos;
  if (!todo) throw new Error('expected seeded todos');
  return todo;
}

const addArgs = (id: string) => ({
  id,
  text: 'Taken?',
  position: 99,
  createdAt: new Date('2026-01-01T00:00:00Z'),
});

async function addOverHttp(userId: string, id: string) {
  const response = await trpc(
    new Request('http://app.test/api/trpc/mutators.addTodo', {
      method: 'POST',
      headers: { cookie: await sessionCookie(runtime, userId), 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize({ args: addArgs(id) })),
    }),
  );
  const body = (await response.json()) as {
    error: { json: { message: string; code: number; data: object } };
  };
  const { stack: _stack, ...data } = body.error.json.data as { stack?: string };
  return { status: response.status, message: body.error.json.message, code: body.error.json.code, data };
}

describe('issue 12 item 16: addTodo with a taken id reveals nothing about whose it is', () => {
  it("item 16: the server answers another user's id exactly as a duplicate of one's own, writing nothing", async () => {
    const alice = await newClient(runtime);
    const bob = await newClient(runtime);
    const alicesTodo = await firstTodoOf(alice.userId);
    const before = await fingerprint(runtime.db);

    const own = executeMutation(runtime, alice.userId, 'addTodo', { args: addArgs(alicesTodo.id) });
    const foreign = executeMutation(runtime, bob.userId, 'addTodo', { args: addArgs(alicesTodo.id) });
    const [ownError, foreignError] = await Promise.all([
      own.catch((e: unknown) => e),
      foreign.catch((e: unknown) => e),
    ]);
    expect(foreignError).toMatchObject({ code: 'CONFLICT' });
    expect({ ...(foreignError as object), message: (foreignError as Error).message }).toEqual({
      ...(ownError as object),
      message: (ownError as Error).message,
    });
    expect(await fingerprint(runtime.db)).toEqual(before);

    // Over HTTP: the same status and the same error body.
    const ownHttp = await addOverHttp(alice.userId, alicesTodo.id);
    const foreignHttp = await addOverHttp(bob.userId, alicesTodo.id);
    expect(foreignHttp.status).toBe(409);
    expect(foreignHttp).toEqual(ownHttp);
  });

  it('item 16: the client store gives the same failure for both (locally for its own row, from the server for the other)', async () => {
    const alice = await newClient(runtime);
    const bob = await newClient(runtime);
    const alicesTodo = await firstTodoOf(alice.userId);

    // Alice's store knows the row: it refuses before sending anything.
    const ownFailure = await alice.store.mutate('addTodo', addArgs(alicesTodo.id)).settled;
    // Bob's store cannot know it: the optimistic insert is sent, and the server's answer comes back.
    const bobStore = new AppStore({
      snapshot: await readSnapshot(runtime, bob.userId),
      transport: directTransport(runtime, bob.userId),
      retryDelayMs: 5,
    });
    const foreignFailure = await bobStore.mutate('addTodo', addArgs(alicesTodo.id)).settled;

    expect(ownFailure).toMatchObject({ ok: false, failure: { code: 'CONFLICT' } });
    expect(foreignFailure).toEqual(ownFailure);
    expect(bobStore.rows('todos').some((todo) => todo.id === alicesTodo.id)).toBe(false);
  });
});
