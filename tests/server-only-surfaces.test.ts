/**
 * Server-only data probed through every surface a client can reach: every query procedure, the snapshot and the
 * change feed, every action a user may call directly, the copilot's chat stream (tool lists and tool results), MCP
 * (tool list and results) and the token list. Secrets are planted in every server-only table a user owns rows in;
 * none may come back.
 */
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { apiTokens, providerSettings } from '@/db/schema';
import { insertRun } from '@/framework/server/runtime/action-runs';
import { createApiToken } from '@/server/auth/api-tokens';
import { handleChat } from '@/server/copilot/chat-handler';
import { createInnerContext } from '@/server/context';
import { handleMcp } from '@/server/mcp/mcp-handler';
import { appRouter, createCaller } from '@/server/routers/_app';
import { streamChanges } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, readChat, sessionCookie, userMessage } from './helpers/chat';
import { createTestRuntime } from './helpers/test-database';

const SECRET = `sk-planted-${crypto.randomUUID()}`;
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let model: ModelServer;

beforeAll(async () => {
  runtime = await createTestRuntime();
  model = await startModelServer({ kind: 'text', chunks: ['ok'] });
});
afterAll(async () => {
  await runtime.close();
  await model.close();
});

describe('server-only data through every surface', () => {
  it('never leaves the server', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    // Plant secrets: the user's own provider key (write-only: the settings page shows only whether one is saved),
    // and an API token (its value, shown once, and its stored hash). The system prompt is the user's to read back.
    await runtime.db
      .insert(providerSettings)
      .values({ userId: user.id, apiKey: SECRET, systemPrompt: 'Be brief.' });
    const { token } = await createApiToken(runtime.db, user.id, 'probe');
    const [stored] = await runtime.db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    const secrets = [SECRET, token, stored?.tokenHash ?? 'missing'];

    const seen: { surface: string; value: unknown }[] = [];
    const caller = createCaller(createInnerContext({ runtime, user }));
    const [first] = await caller.todos.list();
    if (!first) throw new Error('expected seeded todos');

    // Every query procedure, with the input it needs.
    const run = await insertRun(runtime, user.id, 'tidyUp', {}, 3);
    const queryInputs: Record<string, unknown> = {
      'todos.byId': { id: first.id },
      'runs.byId': { id: run.id },
      'copilot.thread': { id: 'probe' },
      'mcpClients.consentInfo': { clientId: 'probe', scope: 'mcp:tools' },
      'sync.since': { lastEventId: null },
    };
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    const queries = Object.entries(procedures).filter(([, procedure]) => procedure._def.type === 'query');
    expect(queries.length).toBeGreaterThan(4);
    for (const [path] of queries) {
      // Nested routers too (e.g. `sync.rows.todos`): walk the whole path.
      let procedure: unknown = caller;
      for (const key of path.split('.')) procedure = (procedure as Record<string, unknown>)[key];
      const value = await (procedure as (input: unknown) => Promise<unknown>)(queryInputs[path]);
      seen.push({ surface: `query ${path}`, value });
    }

    // The change feed, across a change.
    const controller = new AbortController();
    const stream = streamChanges(runtime, user.id, null, controller.signal);
    seen.push({ surface: 'feed reset', value: (await stream.next()).value });
    await caller.mutators.setTodoText({ args: { id: first.id, text: 'changed', updatedAt: new Date() } });
    seen.push({ surface: 'feed change', value: (await stream.next()).value });
    controller.abort();

    // Actions a user calls directly (read-only ones, and the settings save whose result describes the key).
    seen.push({ surface: 'actions.summarizeTodos', value: await caller.actions.summarizeTodos({}) });
    seen.push({ surface: 'actions.listTodos', value: await caller.actions.listTodos({}) });
    seen.push({
      surface: 'actions.saveModelSettings',
      value: await caller.actions.saveModelSettings({ model: null, systemPrompt: 'Be brief.' }),
    });
    seen.push({ surface: 'tokens.list', value: await caller.tokens.list() });

    // The copilot: the tools the model is offered, and the results of the tools it calls.
    const token1 = `probe-${crypto.randomUUID()}`;
    model.script(token1, [
      {
        kind: 'tool-calls',
        calls: [
          { name: 'listTodos', arguments: {} },
          { name: 'summarizeTodos', arguments: {} },
        ],
      },
      { kind: 'text', chunks: ['done'] },
    ]);
    const response = await handleChat(
      chatRequest(
        { messages: [userMessage(token1)], url: 'http://app.test/' },
        await sessionCookie(runtime, user.id),
      ),
      chatDeps(runtime, model.baseUrl),
    );
    seen.push({ surface: 'chat stream', value: (await readChat(response)).chunks });
    // What the model itself was sent (the user's own system prompt goes to it on purpose; their key never does).
    seen.push({ surface: 'model requests', value: model.requests(token1).map((request) => request.body) });

    // MCP: the tool list and a read tool's result.
    const client = new Client({ name: 'probe', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('http://app.test/api/mcp'), {
        fetch: async (input, init) =>
          handleMcp(new Request(input instanceof Request ? input : String(input), init), {
            runtime,
            sessionSecret: 'probe-secret-with-at-least-32-characters-x',
          }),
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    seen.push({ surface: 'mcp tools/list', value: await client.listTools() });
    seen.push({
      surface: 'mcp listTodos',
      value: await client.callTool({ name: 'listTodos', arguments: {} }),
    });
    await client.close();

    for (const { surface, value } of seen) {
      const text = JSON.stringify(superjson.serialize(value));
      for (const secret of secrets) expect(text.includes(secret), `${surface} leaks a secret`).toBe(false);
    }
  }, 60_000);
});
