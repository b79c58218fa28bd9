/**
 * Tool exposure: which procedures are offered for each {page URL, client properties, user}, and the check again at
 * call time — a tool that was not offered is refused before it runs, and an offered one still obeys the user's
 * own authorization.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { todos } from '@/db/schema';
import { syncCommits } from '@/framework/server/schema';
import { MCP_PATH, type ToolContext } from '@/framework/shared/define-mutator';
import { mcpTools } from '@/framework/server/mcp/mcp-server';
import {
  claimApproval,
  recordApprovalRequest,
  type ToolApprovalGrant,
} from '@/framework/server/runtime/tool-approvals';
import { callTool, listTools } from '@/framework/server/runtime/tool-registry';
import { syncServer } from '@/server/sync';
import { readSnapshot } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
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
  listTools(syncServer, ctx)
    .map((tool) => tool.name)
    .sort();

describe('tool list', () => {
  it.each([
    [
      'the todo page',
      context('/'),
      [
        'startFresh',
        'summarizeTodos',
        'listTodos',
        'addTodo',
        'addGeneratedTodo',
        'deleteTodo',
        'setTodoCompleted',
      ],
    ],
    [
      'the todo page with a selected todo',
      context('/', { selectedTodoId: crypto.randomUUID() }),
      [
        'startFresh',
        'summarizeTodos',
        'listTodos',
        'addTodo',
        'addGeneratedTodo',
        'deleteTodo',
        'setTodoCompleted',
        'setTodoText',
      ],
    ],
    ['the settings page', context('/settings'), ['saveModelSettings', 'summarizeTodos']],
    ['no page (scripts)', context(null), ['summarizeTodos']],
    [
      'MCP (its own path; approval-only tools are dropped by the MCP endpoint, not here)',
      context('/api/mcp', { selectedTodoId: crypto.randomUUID() }),
      ['summarizeTodos', 'listTodos', 'addTodo', 'addGeneratedTodo', 'setTodoCompleted', 'deleteTodo'],
    ],
    ['another page', context('/elsewhere', { selectedTodoId: crypto.randomUUID() }), ['summarizeTodos']],
    ['a property of the wrong type', context('/', { selectedTodoId: 42 }), names(context('/'))],
  ])('%s', (_label, ctx, expected) => {
    expect(names(ctx)).toEqual([...expected].sort());
  });

  it('marks dangerous tools as needing approval and carries zod input schemas', () => {
    const tools = listTools(runtime, context('/'));
    expect(tools.find((tool) => tool.name === 'deleteTodo')?.needsApproval).toBe(true);
    expect(tools.find((tool) => tool.name === 'addTodo')?.needsApproval).toBe(false);
    const addTodo = tools.find((tool) => tool.name === 'addTodo');
    expect(addTodo?.procedure).toBe('mutators.addTodo');
    if (!addTodo) throw new Error('addTodo is not offered');
    expect(z.safeParse(addTodo.inputSchema, { text: '' }).success).toBe(false);
  });

  it('hides the fields the server fills from the model, and every schema converts to JSON Schema', () => {
    const tools = listTools(runtime, context('/', { selectedTodoId: crypto.randomUUID() }));
    const properties = (name: string) => {
      const tool = tools.find((candidate) => candidate.name === name);
      if (!tool) throw new Error(`no tool ${name}`);
      return Object.keys((z.toJSONSchema(tool.inputSchema) as { properties?: object }).properties ?? {});
    };
    expect(properties('addTodo')).toEqual(['text']);
    expect(properties('setTodoText')).toEqual(['text']);
    expect(properties('setTodoCompleted').sort()).toEqual(['completed', 'id']);
    expect(properties('startFresh')).toEqual([]);
    for (const tool of [...tools, ...listTools(runtime, context('/settings'))]) {
      expect(() => z.toJSONSchema(tool.inputSchema), tool.name).not.toThrow();
    }
  });
});

describe('callTool', () => {
  it('refuses a tool that was not offered for the context, and changes nothing', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const [first] = (await readSnapshot(runtime, user.id)).tables.todos;
    if (!first) throw new Error('expected seeded todos');
    const before = await runtime.db.select().from(syncCommits);
    // setTodoText needs a selected todo; the "model" calls it anyway.
    await expect(
      callTool(
        runtime,
        'setTodoText',
        { text: 'forged' },
        context('/', {}, user.id),
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Not a tool at all, or not a procedure at all.
    for (const name of ['moveTodo', 'generateTodo', 'mutators.addTodo', 'nope', 'constructor']) {
      await expect(
        callTool(runtime, name, {}, context('/', {}, user.id), new AbortController().signal),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    const [stored] = await runtime.db.select().from(todos).where(eq(todos.id, first.id));
    expect(stored?.text).toBe(first.text);
    expect(await runtime.db.select().from(syncCommits)).toHaveLength(before.length);
  });

  it('runs an offered tool through the one executor (validated, authorized, in the change log)', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const forgedId = crypto.randomUUID();
    const result = (await callTool(
      runtime,
      'addTodo',
      { id: forgedId, text: 'From a tool' },
      context('/', {}, user.id),
      new AbortController().signal,
    )) as { ok: boolean; id: string };
    // The server made the id (the one the caller sent is ignored) and says which it is.
    expect(result.ok).toBe(true);
    expect(result.id).not.toBe(forgedId);
    const [row] = await runtime.db.select().from(todos).where(eq(todos.id, result.id));
    expect(row).toMatchObject({ text: 'From a tool', ownerId: user.id });
    expect(await runtime.db.select().from(todos).where(eq(todos.id, forgedId))).toHaveLength(0);
    await expect(
      callTool(runtime, 'addTodo', { text: '' }, context('/', {}, user.id), new AbortController().signal),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('edits the todo the page has selected, as the page property says', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const [selected] = (await readSnapshot(runtime, user.id)).tables.todos;
    if (!selected) throw new Error('expected seeded todos');
    await callTool(
      runtime,
      'setTodoText',
      { text: 'Renamed by the copilot' },
      context('/', { selectedTodoId: selected.id }, user.id),
      new AbortController().signal,
    );
    const [row] = await runtime.db.select().from(todos).where(eq(todos.id, selected.id));
    expect(row?.text).toBe('Renamed by the copilot');
  });

  it("cannot widen what the user may do: another user's todo stays out of reach", async () => {
    const owner = await ensureUser(runtime, crypto.randomUUID());
    const intruder = await ensureUser(runtime, crypto.randomUUID());
    const [victim] = (await readSnapshot(runtime, owner.id)).tables.todos;
    if (!victim) throw new Error('expected seeded todos');
    // Even with the intruder's own approval of the call.
    const approval = await approve(intruder.id, 'deleteTodo');
    await expect(
      callTool(
        runtime,
        'deleteTodo',
        { id: victim.id },
        context('/', { selectedTodoId: victim.id }, intruder.id),
        new AbortController().signal,
        approval,
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await runtime.db.select().from(todos).where(eq(todos.id, victim.id))).toHaveLength(1);
  });
});

/** A recorded approval request of the user, claimed as the chat handler claims the user's answer. */
async function approve(userId: string, toolName: string): Promise<ToolApprovalGrant> {
  const request = { approvalId: crypto.randomUUID(), userId, toolName, toolCallId: crypto.randomUUID() };
  await recordApprovalRequest(runtime.db, request);
  const grant = await claimApproval(runtime.db, request);
  if (!grant) throw new Error('expected a fresh approval to be claimed');
  return grant;
}

describe('issue 12 item 16: callTool enforces needsApproval itself', () => {
  it('item 16: a tool that needs approval runs only with an unspent grant from a claimed approval', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const [victim] = (await readSnapshot(runtime, user.id)).tables.todos;
    if (!victim) throw new Error('expected seeded todos');
    const before = await runtime.db.select().from(syncCommits).where(eq(syncCommits.userId, user.id));
    const call = (approval?: ToolApprovalGrant) =>
      callTool(
        runtime,
        'deleteTodo',
        { id: victim.id },
        context('/', {}, user.id),
        new AbortController().signal,
        approval,
      );
    const expectRefused = (promise: Promise<unknown>) =>
      expect(promise).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringMatching(/approval/),
      });

    // No proof; a look-alike object; a grant for another tool: nothing runs.
    await expectRefused(call());
    await expectRefused(call(Object.freeze({ toolName: 'deleteTodo', toolCallId: 'forged' })));
    await expectRefused(call(await approve(user.id, 'startFresh')));
    expect(await runtime.db.select().from(todos).where(eq(todos.id, victim.id))).toHaveLength(1);
    expect(await runtime.db.select().from(syncCommits).where(eq(syncCommits.userId, user.id))).toHaveLength(
      before.length,
    );

    // A real grant runs it once; the same grant again is spent.
    const grant = await approve(user.id, 'deleteTodo');
    await call(grant);
    expect(await runtime.db.select().from(todos).where(eq(todos.id, victim.id))).toHaveLength(0);
    await expectRefused(call(grant));
  });

  it('item 16: an approval is claimed once, only by its own user, tool and call', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const other = await ensureUser(runtime, crypto.randomUUID());
    const request = {
      approvalId: crypto.randomUUID(),
      userId: user.id,
      toolName: 'deleteTodo',
      toolCallId: 'c1',
    };
    await recordApprovalRequest(runtime.db, request);
    expect(await claimApproval(runtime.db, { ...request, userId: other.id })).toBeNull();
    expect(await claimApproval(runtime.db, { ...request, toolName: 'startFresh' })).toBeNull();
    expect(await claimApproval(runtime.db, { ...request, toolCallId: 'c2' })).toBeNull();
    expect(await claimApproval(runtime.db, { ...request, approvalId: 'never-issued' })).toBeNull();
    expect(await claimApproval(runtime.db, request)).not.toBeNull();
    expect(await claimApproval(runtime.db, request)).toBeNull();
  });

  it('item 16: MCP offers no tool that needs approval (it has no way to ask), so it never holds a grant', () => {
    const { tools, context: mcpContext } = mcpTools(runtime, { id: 'u1' }, 'http://app.test');
    expect(mcpContext.url?.pathname).toBe(MCP_PATH);
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.filter((tool) => tool.needsApproval)).toEqual([]);
  });
});
