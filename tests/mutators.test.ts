/**
 * Isomorphism: a mutator run on the client store (optimistically, over its cache) gives exactly the rows the server
 * commits to the database for the same inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore } from './helpers/app-typed';
import { executeMutation } from '@/framework/server/runtime/executor';
import { readSnapshot } from './helpers/app-typed';
import { createTestRuntime } from './helpers/test-database';
import { newClient } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

describe('mutators on client and server', () => {
  it('produce the same rows', async () => {
    const { userId, store: serverSide } = await newClient(runtime);
    const start = await readSnapshot(runtime, userId);
    // A store that never reaches the server: its view is the client-side result alone.
    const offline = new AppStore({ snapshot: start, transport: { mutate: () => new Promise(() => {}) } });

    const [first, second, third] = start.tables.todos.filter((todo) => !todo.completed);
    if (!first || !second || !third) throw new Error('expected seeded todos');
    const newId = crypto.randomUUID();
    const at = new Date('2026-11-21T10:00:00.000Z');
    const calls = [
      ['addTodo', { id: newId, text: '  Write the docs  ', position: 10, createdAt: at }],
      ['setTodoText', { id: first.id, text: 'Renamed', updatedAt: at }],
      ['setTodoCompleted', { id: second.id, completed: true, updatedAt: at }],
      ['moveTodo', { id: third.id, position: 0.5, updatedAt: at }],
      ['clearCompleted', {}],
      ['deleteTodo', { id: newId }],
    ] as const;

    for (const [name, args] of calls) {
      offline.mutate(name, args as never);
      await executeMutation(runtime, userId, name, { args });
    }
    await expect.poll(() => offline.pendingCount).toBe(calls.length);

    const server = await readSnapshot(runtime, userId);
    expect(byId(offline.rows('todos'))).toEqual(byId(server.tables.todos));
    expect(server.tables.todos.find((todo) => todo.id === first.id)?.text).toBe('Renamed');
    expect(serverSide.userId).toBe(userId);
  });

  it('refuse a taken id identically on both sides (insert), writing nothing', async () => {
    const { userId } = await newClient(runtime);
    const start = await readSnapshot(runtime, userId);
    const offline = new AppStore({ snapshot: start, transport: { mutate: () => new Promise(() => {}) } });
    const [existing] = start.tables.todos;
    if (!existing) throw new Error('expected seeded todos');
    const args = { id: existing.id, text: 'Again', position: 99, createdAt: new Date() };
    const message = `A todos row with id ${existing.id} already exists`;
    expect(await offline.mutate('addTodo', args).settled).toMatchObject({
      ok: false,
      failure: { code: 'CONFLICT', message },
    });
    await expect(executeMutation(runtime, userId, 'addTodo', { args })).rejects.toMatchObject({
      code: 'CONFLICT',
      message,
    });
    expect((await readSnapshot(runtime, userId)).tables.todos).toEqual(start.tables.todos);
  });

  it('trim and validate input identically on both sides', async () => {
    const { userId } = await newClient(runtime);
    const start = await readSnapshot(runtime, userId);
    const offline = new AppStore({ snapshot: start, transport: { mutate: () => new Promise(() => {}) } });
    const failure = await offline.mutate('addTodo', {
      id: crypto.randomUUID(),
      text: '   ',
      position: 1,
      createdAt: new Date(),
    }).settled;
    expect(failure).toMatchObject({
      ok: false,
      failure: { code: 'BAD_REQUEST', message: 'text: must not be empty' },
    });
    await expect(
      executeMutation(runtime, userId, 'addTodo', {
        args: { id: crypto.randomUUID(), text: '   ', position: 1, createdAt: new Date() },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
