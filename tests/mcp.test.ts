/**
 * The MCP endpoint through the official SDK's Client (Streamable HTTP), handled in-process: the token's user's tools
 * from the one registry, calls through the one executor, validation errors naming the field, and token checks.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { syncCommits } from '@/framework/server/schema';
import { createApiToken, revokeApiToken, userForApiToken } from '@/server/auth/api-tokens';
import { createInnerContext } from '@/server/context';
import { handleMcp } from '@/server/mcp/mcp-handler';
import { createCaller } from '@/server/routers/_app';
import { readSnapshot } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const deps = () => ({ runtime, sessionSecret: 'mcp-test-secret-with-at-least-32-characters' });

/** The endpoint as a fetch function, so the SDK's HTTP transport talks to it without a server. */
const mcpFetch: typeof fetch = async (input, init) =>
  handleMcp(new Request(input instanceof Request ? input : String(input), init), deps());

async function connect(token: string | null) {
  const client = new Client({ name: 'test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('http://app.test/api/mcp'), {
    fetch: mcpFetch,
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  });
  await client.connect(transport);
  return client;
}

async function userWithToken() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  const { token, id } = await createApiToken(runtime.db, user.id, 'test');
  return { userId: user.id, token, tokenId: id };
}

const commitCount = async (userId: string) =>
  (await runtime.db.select({ n: count() }).from(syncCommits).where(eq(syncCommits.userId, userId)))[0]?.n;

describe('MCP', () => {
  it('lists the tools MCP offers: opted in, no approval-only tools, with input and output schemas', async () => {
    const { token } = await userWithToken();
    const client = await connect(token);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'addGeneratedTodo',
      'addTodo',
      'listTodos',
      'setTodoCompleted',
      'summarizeTodos',
    ]);
    const addTodo = tools.find((tool) => tool.name === 'addTodo');
    expect(Object.keys(addTodo?.inputSchema.properties ?? {})).toEqual(['text']);
    expect(tools.find((tool) => tool.name === 'summarizeTodos')?.outputSchema?.properties).toHaveProperty(
      'open',
    );
    await client.close();
  });

  it('calls a tool through the one executor, as the token’s user, with structured content', async () => {
    const { token, userId } = await userWithToken();
    const client = await connect(token);
    const result = await client.callTool({ name: 'addTodo', arguments: { text: 'Added over MCP' } });
    expect(result.isError).toBeFalsy();
    const { id } = result.structuredContent as { ok: boolean; id: string };
    const [row] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    expect(row).toMatchObject({ text: 'Added over MCP', ownerId: userId });
    // In the change log, so every open browser of the user gets it live.
    const snapshot = await readSnapshot(runtime, userId);
    expect(snapshot.tables.todos.map((todo) => todo.id)).toContain(id);
    await client.close();
  });

  it('bad input comes back as a validation error naming the field, and nothing is written', async () => {
    const { token, userId } = await userWithToken();
    const before = await commitCount(userId);
    const client = await connect(token);
    for (const args of [{ text: '' }, { text: 42 }, {}]) {
      const result = await client.callTool({ name: 'addTodo', arguments: args });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/text/);
    }
    const badId = await client.callTool({
      name: 'setTodoCompleted',
      arguments: { id: 'nope', completed: true },
    });
    expect(badId.isError).toBe(true);
    expect(JSON.stringify(badId.content)).toMatch(/\bid\b/);
    expect(await commitCount(userId)).toBe(before);
    await client.close();
  });

  it('a tool that is not offered over MCP is not callable (approval-only, page-only, unknown)', async () => {
    const { token, userId } = await userWithToken();
    const [first] = (await readSnapshot(runtime, userId)).tables.todos;
    const before = await commitCount(userId);
    const client = await connect(token);
    for (const [name, args] of [
      ['deleteTodo', { id: first?.id }],
      ['startFresh', {}],
      ['setTodoText', { text: 'x' }],
      ['saveModelSettings', { model: null, systemPrompt: null }],
      ['moveTodo', { id: first?.id, position: 1 }],
    ] as const) {
      const outcome = await client
        .callTool({ name, arguments: args })
        .then((result) => result.isError)
        .catch(() => true);
      expect(outcome, name).toBe(true);
    }
    expect(await commitCount(userId)).toBe(before);
    await client.close();
  });

  it('a token never sees another user’s data', async () => {
    const owner = await userWithToken();
    const other = await userWithToken();
    const ownerTodos = (await readSnapshot(runtime, owner.userId)).tables.todos;
    const client = await connect(other.token);
    const listed = await client.callTool({ name: 'listTodos', arguments: {} });
    const ids = (listed.structuredContent as { todos: { id: string }[] }).todos.map((todo) => todo.id);
    for (const todo of ownerTodos) expect(ids).not.toContain(todo.id);
    const result = await client.callTool({
      name: 'setTodoCompleted',
      arguments: { id: ownerTodos[0]?.id, completed: true },
    });
    expect(result.isError).toBe(true);
    await client.close();
  });

  it('refuses a missing, unknown or revoked token with 401', async () => {
    const { token, tokenId, userId } = await userWithToken();
    expect(await revokeApiToken(runtime.db, userId, tokenId)).toBe(true);
    for (const header of [null, 'Bearer tas_unknown', `Bearer ${token}`, 'Basic abc']) {
      const response = await handleMcp(
        new Request('http://app.test/api/mcp', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(header ? { authorization: header } : {}),
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        }),
        deps(),
      );
      expect(response.status, String(header)).toBe(401);
    }
  });
});

describe('issue 12 item 16: GET and DELETE /api/mcp', () => {
  it('item 16: answer 405 with Allow: POST (no SSE stream, no session), with or without a token', async () => {
    const { token } = await userWithToken();
    for (const method of ['GET', 'DELETE']) {
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const response = await handleMcp(
          new Request('http://app.test/api/mcp', {
            method,
            headers: { accept: 'text/event-stream', ...headers },
          }),
          deps(),
        );
        expect(response.status, method).toBe(405);
        expect(response.headers.get('allow'), method).toBe('POST');
        expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
      }
    }
  });
});

describe('API tokens', () => {
  it('are made and revoked by a browser session; the value is shown once and only its hash is stored', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const caller = createCaller(createInnerContext({ runtime, user }));
    const made = await caller.tokens.create({ name: 'laptop script' });
    expect(made.token).toMatch(/^tas_/);
    const listed = await caller.tokens.list();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(made.token);
    expect(
      JSON.stringify(await runtime.db.select().from((await import('@/db/schema')).apiTokens)),
    ).not.toContain(made.token);
    expect(await userForApiToken(runtime.db, made.token)).toEqual({ id: user.id });

    await caller.tokens.revoke({ id: made.id });
    expect(await userForApiToken(runtime.db, made.token)).toBeNull();
    expect((await caller.tokens.list())[0]?.revokedAt).toBeInstanceOf(Date);
    await expect(caller.tokens.create({ name: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('cannot manage tokens with a token', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const caller = createCaller(createInnerContext({ runtime, user, auth: 'token' }));
    await expect(caller.tokens.create({ name: 'more' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller.tokens.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
