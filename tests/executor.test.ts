/**
 * The one executor: idempotency by mutation id, atomicity, authorization, and what a failure leaves behind.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { actionRuns, clientMutations, syncChanges, syncCommits } from '@/framework/server/schema';
import { executeMutation } from '@/framework/server/runtime/executor';
import { createTestRuntime } from './helpers/test-database';
import { newClient } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

async function counts() {
  const [t] = await runtime.db.select({ n: count() }).from(todos);
  const [c] = await runtime.db.select({ n: count() }).from(syncCommits);
  const [ch] = await runtime.db.select({ n: count() }).from(syncChanges);
  const [m] = await runtime.db.select({ n: count() }).from(clientMutations);
  const [a] = await runtime.db.select({ n: count() }).from(actionRuns);
  return { todos: t?.n, commits: c?.n, changes: ch?.n, clients: m?.n, runs: a?.n };
}

const addArgs = (text = 'A todo') => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });

describe('executeMutation', () => {
  it('applies the same mutation id once, however often (and however concurrently) it is sent', async () => {
    const { userId } = await newClient(runtime);
    const request = { args: addArgs('Once'), clientId: 'tab-1', mutationId: 1 };
    const before = await counts();
    const results = await Promise.all(
      [1, 2, 3].map(() => executeMutation(runtime, userId, 'addTodo', request)),
    );
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(results.filter((result) => result.duplicate)).toHaveLength(2);
    const after = await counts();
    expect(after.todos).toBe((before.todos ?? 0) + 1);
    expect(after.commits).toBe((before.commits ?? 0) + 1);
    // And once more, later: still a duplicate.
    expect(await executeMutation(runtime, userId, 'addTodo', request)).toEqual({
      version: null,
      duplicate: true,
    });
  });

  it('writes rows, commit, changes and the client id in one commit; a failure consumes the id and nothing else', async () => {
    const { userId } = await newClient(runtime);
    const missing = crypto.randomUUID();
    const before = await counts();
    const failing = {
      args: { id: missing, text: 'x', updatedAt: new Date() },
      clientId: 'tab-2',
      mutationId: 1,
    };
    await expect(executeMutation(runtime, userId, 'setTodoText', failing)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const after = await counts();
    expect(after.todos).toBe(before.todos);
    expect(after.changes).toBe(before.changes);
    expect(after.commits).toBe((before.commits ?? 0) + 1); // the failure notice for the client
    const [commit] = await runtime.db.select().from(syncCommits).where(eq(syncCommits.clientId, 'tab-2'));
    expect(commit?.error).toMatchObject({ code: 'NOT_FOUND' });
    // A retry of the failed id gets the same error, and nothing runs.
    await expect(executeMutation(runtime, userId, 'setTodoText', failing)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The next id works.
    const next = { args: addArgs(), clientId: 'tab-2', mutationId: 2 };
    expect(await executeMutation(runtime, userId, 'addTodo', next)).toMatchObject({ duplicate: false });
  });

  it('keeps client ids exactly, even one starting with U+FEFF (which PGlite drops from text it returns)', async () => {
    const { userId } = await newClient(runtime);
    const request = { args: addArgs('BOM'), clientId: '\uFEFFtab', mutationId: 1 };
    expect(await executeMutation(runtime, userId, 'addTodo', request)).toMatchObject({ duplicate: false });
    expect(await executeMutation(runtime, userId, 'addTodo', request)).toMatchObject({ duplicate: true });
  });

  it('refuses an id that skips ahead, without consuming anything', async () => {
    const { userId } = await newClient(runtime);
    const before = await counts();
    await expect(
      executeMutation(runtime, userId, 'addTodo', { args: addArgs(), clientId: 'tab-3', mutationId: 5 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await counts()).toEqual(before);
  });

  it('writes nothing at all for a failure without a client id', async () => {
    const { userId } = await newClient(runtime);
    const before = await counts();
    await expect(
      executeMutation(runtime, userId, 'deleteTodo', { args: { id: crypto.randomUUID() } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(executeMutation(runtime, userId, 'addTodo', { args: { text: 7 } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await counts()).toEqual(before);
  });

  it("never lets a user read or overwrite another user's row", async () => {
    const alice = await newClient(runtime);
    const bob = await newClient(runtime);
    const [aliceTodo] = alice.store.rows('todos');
    if (!aliceTodo) throw new Error('expected seeded todos');
    // Bob cannot see it (NOT_FOUND, not FORBIDDEN: nothing is revealed) …
    await expect(
      executeMutation(runtime, bob.userId, 'setTodoText', {
        args: { id: aliceTodo.id, text: 'mine now', updatedAt: new Date() },
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // … nor take its id with a new row (CONFLICT, as for a duplicate of his own: see tests/insert-oracle.test.ts).
    await expect(
      executeMutation(runtime, bob.userId, 'addTodo', { args: { ...addArgs(), id: aliceTodo.id } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const [stored] = await runtime.db.select().from(todos).where(eq(todos.id, aliceTodo.id));
    expect(stored).toEqual(aliceTodo);
  });

  it('rejects an unknown mutator and a malformed envelope with BAD_REQUEST / NOT_FOUND', async () => {
    const { userId } = await newClient(runtime);
    await expect(executeMutation(runtime, userId, 'toString', { args: {} })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      executeMutation(runtime, userId, 'addTodo', { args: addArgs(), clientId: 'x', mutationId: -1 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      executeMutation(runtime, userId, 'addTodo', { args: addArgs(), clientId: 'x' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
