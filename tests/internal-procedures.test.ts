/**
 * Internal procedures (`internal: true`, like Convex's internalMutation): server code runs them (an action's
 * `ctx.mutate`, `tx.enqueueAction`, the queue), but no client reaches them: no tRPC procedure, no tool, no MCP tool.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDefineMutator } from '@/framework/shared';
import { createSyncServer, listTools, callTool, mcpTools } from '@/framework/server';
import { actionRuns, syncCommits } from '@/framework/server/schema';
import { todos } from '@/db/schema';
import { createInnerContext } from '@/server/context';
import { createTrpcHandler } from '@/server/http/trpc';
import { createCaller } from '@/server/routers/_app';
import { syncServer } from '@/server/sync';
import { ensureUser } from '@/framework/server';
import type { AppRouter } from '@/server/router-type';
import { sessionCookie, TEST_SECRET } from './helpers/chat';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const INTERNAL_PATHS = ['mutators.writeGeneratedText', 'actions.generateTodo', 'enqueue.generateTodo'];

describe('internal procedures', () => {
  it('are absent from the router type (a client cannot even name them)', () => {
    type Mutators = keyof AppRouter['_def']['record']['mutators'];
    type Actions = keyof AppRouter['_def']['record']['actions'];
    type Enqueue = keyof AppRouter['_def']['record']['enqueue'];
    const internal: [
      'writeGeneratedText' extends Mutators ? 'present' : 'absent',
      'generateTodo' extends Actions ? 'present' : 'absent',
      'generateTodo' extends Enqueue ? 'present' : 'absent',
      'addGeneratedTodo' extends Mutators ? 'present' : 'absent',
    ] = ['absent', 'absent', 'absent', 'present'];
    expect(internal).toEqual(['absent', 'absent', 'absent', 'present']);
  });

  it('answer a client call with 404 NOT_FOUND, over HTTP and in-process, and write nothing', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const handler = createTrpcHandler(async () => ({ runtime, sessionSecret: TEST_SECRET }));
    const cookie = await sessionCookie(runtime, user.id);
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.ownerId, user.id));
    if (!todo) throw new Error('expected a welcome todo');
    const commitsBefore = await runtime.db.select().from(syncCommits).where(eq(syncCommits.userId, user.id));
    const inputs: Record<string, unknown> = {
      'mutators.writeGeneratedText': {
        args: { id: todo.id, text: 'forged', status: 'ready', updatedAt: new Date().toISOString() },
      },
      'actions.generateTodo': { todoId: todo.id, prompt: 'forged' },
      'enqueue.generateTodo': { todoId: todo.id, prompt: 'forged' },
    };
    for (const path of INTERNAL_PATHS) {
      const response = await handler(
        new Request(`http://app.test/api/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, origin: 'http://app.test' },
          body: JSON.stringify({ json: inputs[path] }),
        }),
      );
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      const body = (await response.json()) as { error: { json: { data: { code: string } } } };
      expect(body.error.json.data.code).toBe('NOT_FOUND');
    }
    // In-process callers are clients too: the procedure simply is not there.
    const caller = createCaller(createInnerContext({ runtime, user })) as unknown as {
      mutators: Record<string, unknown>;
      actions: Record<string, unknown>;
    };
    await expect(
      (caller.mutators.writeGeneratedText as (input: unknown) => Promise<unknown>)(
        inputs['mutators.writeGeneratedText'],
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [after] = await runtime.db.select().from(todos).where(eq(todos.id, todo.id));
    expect(after?.text).toBe(todo.text);
    expect(await runtime.db.select().from(syncCommits).where(eq(syncCommits.userId, user.id))).toHaveLength(
      commitsBefore.length,
    );
    expect(
      await runtime.db
        .select()
        .from(actionRuns)
        .where(and(eq(actionRuns.ownerId, user.id), eq(actionRuns.action, 'generateTodo'))),
    ).toHaveLength(0);
  });

  it('are never tools: not listed anywhere, and a forged tool or MCP call is refused before anything runs', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.ownerId, user.id));
    if (!todo) throw new Error('expected a welcome todo');
    for (const path of ['/', '/settings', '/api/mcp', null]) {
      const names = listTools(runtime, {
        url: path === null ? null : new URL(path, 'http://app.test'),
        properties: { selectedTodoId: todo.id },
        user,
      }).map((tool) => tool.name);
      expect(names).not.toContain('writeGeneratedText');
      expect(names).not.toContain('generateTodo');
    }
    const { tools, context } = mcpTools(runtime, user, 'http://app.test');
    expect(tools.map((tool) => tool.name)).not.toContain('writeGeneratedText');
    for (const [name, input] of [
      ['writeGeneratedText', { id: todo.id, text: 'forged', status: 'ready', updatedAt: new Date() }],
      ['generateTodo', { todoId: todo.id, prompt: 'forged' }],
    ] as const) {
      await expect(
        callTool(runtime, name, input, context, new AbortController().signal),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    }
    const [after] = await runtime.db.select().from(todos).where(eq(todos.id, todo.id));
    expect(after?.text).toBe(todo.text);
  });

  it('still run from server code: the typed entry points, an action’s ctx.mutate and tx.enqueueAction', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.ownerId, user.id));
    if (!todo) throw new Error('expected a welcome todo');
    await syncServer.executeMutation(runtime, user.id, 'writeGeneratedText', {
      args: { id: todo.id, text: 'written by server code', status: 'ready', updatedAt: new Date() },
    });
    const [after] = await runtime.db.select().from(todos).where(eq(todos.id, todo.id));
    expect(after?.text).toBe('written by server code');
    // A client's public mutator enqueues the internal action in its own commit.
    const id = crypto.randomUUID();
    await createCaller(createInnerContext({ runtime, user })).mutators.addGeneratedTodo({
      args: { id, prompt: 'tea', position: 9, createdAt: new Date() },
    });
    const runs = await runtime.db
      .select()
      .from(actionRuns)
      .where(and(eq(actionRuns.ownerId, user.id), eq(actionRuns.action, 'generateTodo')));
    expect(runs.map((run) => run.input)).toEqual([{ todoId: id, prompt: 'tea' }]);
    const runId = await syncServer.enqueueAction(runtime, user.id, 'generateTodo', {
      todoId: id,
      prompt: 'again',
    });
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('cannot be offered as a tool: the registry refuses an internal procedure with a `tool`', () => {
    const defineMutator = createDefineMutator<Record<string, { id: string }>>();
    const fixture = createSyncServer({
      schema: {},
      mutators: {
        secretWrite: defineMutator({
          description: 'internal, yet exposed by mistake',
          input: z.object({}),
          internal: true,
          tool: {},
          async run() {},
        }),
      },
      actions: {},
    });
    expect(() => listTools(fixture, { url: null, properties: {}, user: { id: 'u1' } })).toThrow(
      /mutators\.secretWrite is internal/,
    );
    // And no procedure is generated for it.
    expect(Object.keys(fixture.routers.mutators._def.record)).toEqual([]);
  });
});
