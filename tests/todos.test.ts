import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '@/framework/server/schema';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { WELCOME_TODOS } from '@/server/seed';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

async function callerForNewUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { user, caller: createCaller(createInnerContext({ runtime, user })) };
}

describe('todos.list', () => {
  it('gives a new user the welcome todos, in order, with real Date timestamps', async () => {
    const { user, caller } = await callerForNewUser();
    const todos = await caller.todos.list();
    expect(todos.map((todo) => todo.text)).toEqual([...WELCOME_TODOS]);
    expect(todos.every((todo) => todo.ownerId === user.id)).toBe(true);
    expect(todos[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('shows each user only their own todos', async () => {
    const a = await callerForNewUser();
    const b = await callerForNewUser();
    const [listA, listB] = await Promise.all([a.caller.todos.list(), b.caller.todos.list()]);
    const idsA = new Set(listA.map((todo) => todo.id));
    expect(listB.some((todo) => idsA.has(todo.id))).toBe(false);
    expect(listB.every((todo) => todo.ownerId === b.user.id)).toBe(true);
  });

  it('seeds a user once, however often the session is seen', async () => {
    const id = crypto.randomUUID();
    await Promise.all([ensureUser(runtime, id), ensureUser(runtime, id)]);
    await ensureUser(runtime, id);
    const caller = createCaller(createInnerContext({ runtime, user: { id, kind: 'anonymous' } }));
    expect(await caller.todos.list()).toHaveLength(WELCOME_TODOS.length);
    const rows = await runtime.db.select().from(users);
    expect(rows.filter((row) => row.id === id)).toHaveLength(1);
  });

  it('creates a user in each database it is seen in (the known-user cache is per database)', async () => {
    const other = await createTestRuntime();
    try {
      const id = crypto.randomUUID();
      await ensureUser(runtime, id);
      await ensureUser(other, id);
      const rows = await other.db.select().from(users);
      expect(rows.map((row) => row.id)).toContain(id);
    } finally {
      await other.close();
    }
  });

  it('refuses a caller without a session', async () => {
    const caller = createCaller(createInnerContext({ runtime, user: null }));
    await expect(caller.todos.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('todos.byId', () => {
  it("returns the user's todo and NOT_FOUND for another user's", async () => {
    const a = await callerForNewUser();
    const b = await callerForNewUser();
    const [first] = await a.caller.todos.list();
    if (!first) throw new Error('expected seeded todos');
    expect(await a.caller.todos.byId({ id: first.id })).toEqual(first);
    const error = await b.caller.todos.byId({ id: first.id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('NOT_FOUND');
  });
});
