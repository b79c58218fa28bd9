/**
 * Tool exposure: which procedures are offered for each {page URL, client properties, user}, and the check again at
 * call time — a tool that was not offered is refused before it runs, and an offered one still obeys the user's
 * own authorization.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCommits, todos } from '@/db/schema';
import type { ToolContext } from '@/mutators/define';
import { callTool, listTools } from '@/server/runtime/tool-registry';
import { readSnapshot } from '@/server/runtime/snapshot';
import { ensureUser } from '@/server/users';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const context = (
  url: string | null,
  properties: Record<string, unknown> = {},
  userId = 'u1',
): ToolContext => ({
  url: url ? new URL(url, 'http://app.test') : null,
  properties,
  user: { id: userId },
});
const names = (ctx: ToolContext) =>
  listTools(ctx)
    .map((tool) => tool.name)
    .sort();

describe('tool list', () => {
  it.each([
    [
      'the todo page',
      context('/'),
      [
        'actions.startFresh',
        'actions.summarizeTodos',
        'mutators.addTodo',
        'mutators.deleteTodo',
        'mutators.setTodoCompleted',
      ],
    ],
    [
      'the todo page with a selected todo',
      context('/', { selectedTodoId: crypto.randomUUID() }),
      [
        'actions.startFresh',
        'actions.summarizeTodos',
        'mutators.addTodo',
        'mutators.deleteTodo',
        'mutators.setTodoCompleted',
        'mutators.setTodoText',
      ],
    ],
    ['the settings page', context('/settings'), ['actions.saveModelSettings', 'actions.summarizeTodos']],
    ['no page (MCP, scripts)', context(null), ['actions.summarizeTodos']],
    ['a property of the wrong type', context('/', { selectedTodoId: 42 }), names(context('/'))],
  ])('%s', (_label, ctx, expected) => {
    expect(names(ctx)).toEqual([...expected].sort());
  });

  it('marks dangerous tools as needing approval and carries zod input schemas', () => {
    const tools = listTools(context('/'));
    expect(tools.find((tool) => tool.name === 'mutators.deleteTodo')?.needsApproval).toBe(true);
    expect(tools.find((tool) => tool.name === 'mutators.addTodo')?.needsApproval).toBe(false);
    const addTodo = tools.find((tool) => tool.name === 'mutators.addTodo');
    expect(addTodo?.inputSchema.safeParse({ text: 'x' }).success).toBe(false);
  });
});

describe('callTool', () => {
  it('refuses a tool that was not offered for the context, and changes nothing', async () => {
    const user = await ensureUser(runtime.db, crypto.randomUUID());
    const [first] = (await readSnapshot(runtime, user.id)).tables.todos;
    if (!first) throw new Error('expected seeded todos');
    const before = await runtime.db.select().from(syncCommits);
    // setTodoText needs a selected todo; the "model" calls it anyway.
    await expect(
      callTool(
        runtime,
        'mutators.setTodoText',
        { id: first.id, text: 'forged', updatedAt: new Date() },
        context('/', {}, user.id),
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Not a tool at all, or not a procedure at all.
    for (const name of ['mutators.moveTodo', 'actions.generateTodo', 'mutators.nope', 'constructor']) {
      await expect(
        callTool(runtime, name, {}, context('/', {}, user.id), new AbortController().signal),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    const [stored] = await runtime.db.select().from(todos).where(eq(todos.id, first.id));
    expect(stored?.text).toBe(first.text);
    expect(await runtime.db.select().from(syncCommits)).toHaveLength(before.length);
  });

  it('runs an offered tool through the one executor (validated, authorized, in the change log)', async () => {
    const user = await ensureUser(runtime.db, crypto.randomUUID());
    const id = crypto.randomUUID();
    await callTool(
      runtime,
      'mutators.addTodo',
      { id, text: 'From a tool', position: 9, createdAt: new Date() },
      context('/', {}, user.id),
      new AbortController().signal,
    );
    const [row] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    expect(row).toMatchObject({ text: 'From a tool', ownerId: user.id });
    await expect(
      callTool(
        runtime,
        'mutators.addTodo',
        { text: '' },
        context('/', {}, user.id),
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it("cannot widen what the user may do: another user's todo stays out of reach", async () => {
    const owner = await ensureUser(runtime.db, crypto.randomUUID());
    const intruder = await ensureUser(runtime.db, crypto.randomUUID());
    const [victim] = (await readSnapshot(runtime, owner.id)).tables.todos;
    if (!victim) throw new Error('expected seeded todos');
    await expect(
      callTool(
        runtime,
        'mutators.deleteTodo',
        { id: victim.id },
        context('/', { selectedTodoId: victim.id }, intruder.id),
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await runtime.db.select().from(todos).where(eq(todos.id, victim.id))).toHaveLength(1);
  });
});
