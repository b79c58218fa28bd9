/**
 * The copilot's chat endpoint through the real AI SDK provider code, against the scripted OpenAI-compatible server:
 * tools run through the one executor, a tool that was not offered is never run, approvals gate dangerous tools,
 * failures are visible, and bad requests are refused before anything runs.
 */
import { and, count, eq } from 'drizzle-orm';
import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { todos } from '@/db/schema';
import { syncCommits } from '@/framework/server/schema';
import { loadThread } from '@/server/copilot/threads';
import { createRateLimiter } from '@/framework/server/copilot/rate-limit';
import { handleChat } from '@/server/copilot/chat-handler';
import { readSnapshot } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';

/** The thread the chat helper below talks in (the transport's chat id). */
const loadConversation = async (db: typeof runtime.db, userId: string) =>
  (await loadThread(db, userId, 'chat'))?.messages ?? [];
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, readChat, sessionCookie, userMessage } from './helpers/chat';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let model: ModelServer;

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['Hello'] });
  runtime = await createTestRuntime();
});
afterAll(async () => {
  await runtime.close();
  await model.close();
});

async function newUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { id: user.id, cookie: await sessionCookie(runtime, user.id) };
}

/** One chat turn on a page; `messages` defaults to a single user message that carries the script's token. */
async function chat(
  user: { cookie: string },
  messages: UIMessage[],
  options: { url?: string; properties?: Record<string, unknown> } = {},
) {
  const response = await handleChat(
    chatRequest(
      {
        id: 'chat',
        messages,
        trigger: 'submit-message',
        url: `http://app.test${options.url ?? '/'}`,
        properties: options.properties ?? {},
      },
      user.cookie,
    ),
    chatDeps(runtime, model.baseUrl),
  );
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const last = messages.at(-1);
  return readChat(response, last?.role === 'assistant' ? structuredClone(last) : undefined);
}

const todoTexts = async (userId: string) =>
  (await runtime.db.select({ text: todos.text }).from(todos).where(eq(todos.ownerId, userId))).map(
    (row) => row.text,
  );
const commitCount = async (userId: string) =>
  (await runtime.db.select({ n: count() }).from(syncCommits).where(eq(syncCommits.userId, userId)))[0]?.n;

function toolParts(message: UIMessage) {
  return message.parts.filter((part) => part.type.startsWith('tool-') || part.type === 'dynamic-tool') as {
    type: string;
    state: string;
    output?: unknown;
    errorText?: string;
    approval?: { id: string; approved?: boolean };
  }[];
}

describe('tool calls', () => {
  it('runs a tool the page offers, then the model answers with its result', async () => {
    const user = await newUser();
    const token = `add-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'addTodo', arguments: { text: 'Call the plumber' } }] },
      { kind: 'text', chunks: ['Added ', 'it.'] },
    ]);
    const { message } = await chat(user, [userMessage(`${token} add a todo`)]);

    expect(await todoTexts(user.id)).toContain('Call the plumber');
    const [call] = toolParts(message);
    expect(call).toMatchObject({ type: 'tool-addTodo', state: 'output-available' });
    expect(call?.output).toMatchObject({ ok: true, id: expect.any(String) });
    expect(message.parts.at(-1)).toMatchObject({ type: 'text', text: 'Added it.' });
    // The model saw the tool's result before answering; and the conversation is saved for the next visit.
    const toolResult = model.requests(token)[1]?.body.messages?.find((entry) => entry.role === 'tool');
    expect(toolResult?.content).toContain('"ok":true');
    const saved = await loadConversation(runtime.db, user.id);
    expect(saved.map((entry) => entry.role)).toEqual(['user', 'assistant']);
  });

  it('runs several tool calls of one step', async () => {
    const user = await newUser();
    const token = `two-${crypto.randomUUID()}`;
    model.script(token, [
      {
        kind: 'tool-calls',
        calls: [
          { name: 'addTodo', arguments: { text: 'First of two' } },
          { name: 'addTodo', arguments: { text: 'Second of two' } },
        ],
      },
      { kind: 'text', chunks: ['Both added.'] },
    ]);
    const { message } = await chat(user, [userMessage(token)]);
    expect(toolParts(message).map((part) => part.state)).toEqual(['output-available', 'output-available']);
    expect(await todoTexts(user.id)).toEqual(expect.arrayContaining(['First of two', 'Second of two']));
  });

  it('refuses a tool that was not offered for the page: nothing runs, the model and the user see an error', async () => {
    const user = await newUser();
    const [first] = (await readSnapshot(runtime, user.id)).tables.todos;
    const before = await commitCount(user.id);
    const token = `forged-${crypto.randomUUID()}`;
    // On /settings the todo tools are not offered; the scripted model calls them anyway.
    model.script(token, [
      {
        kind: 'tool-calls',
        calls: [
          { name: 'deleteTodo', arguments: { id: first?.id } },
          { name: 'setTodoText', arguments: { text: 'forged' } },
        ],
      },
      { kind: 'text', chunks: ['I could not do that here.'] },
    ]);
    const { message } = await chat(user, [userMessage(token)], { url: '/settings' });

    const parts = toolParts(message);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part.state).toBe('output-error');
    expect(await commitCount(user.id)).toBe(before);
    expect(await todoTexts(user.id)).toContain(first?.text);
    expect(JSON.stringify(model.requests(token)[1]?.body.messages)).toMatch(/deleteTodo/);
    // The tools offered to the model on this page were the settings page's only.
    const offered = model.requests(token)[0]?.body.tools?.map((tool) => tool.function?.name);
    expect(offered?.sort()).toEqual(['saveModelSettings', 'summarizeTodos']);
  });

  it('reports a failing tool (bad input) as a tool error naming the field, and writes nothing', async () => {
    const user = await newUser();
    const before = await commitCount(user.id);
    const token = `bad-${crypto.randomUUID()}`;
    model.script(token, [
      {
        kind: 'tool-calls',
        calls: [{ name: 'setTodoCompleted', arguments: { id: 'not-a-uuid', completed: true } }],
      },
      { kind: 'text', chunks: ['That failed.'] },
    ]);
    const { message } = await chat(user, [userMessage(token)]);
    const [part] = toolParts(message);
    expect(part?.state).toBe('output-error');
    expect(part?.errorText).toMatch(/id/);
    expect(await commitCount(user.id)).toBe(before);
  });

  it('edits the todo the page has selected (a tool that depends on a client property)', async () => {
    const user = await newUser();
    const [selected] = (await readSnapshot(runtime, user.id)).tables.todos;
    const token = `edit-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'setTodoText', arguments: { text: 'Edited by the copilot' } }] },
      { kind: 'text', chunks: ['Renamed.'] },
    ]);
    await chat(user, [userMessage(token)], { properties: { selectedTodoId: selected?.id } });
    const [row] = await runtime.db
      .select()
      .from(todos)
      .where(eq(todos.id, selected?.id ?? ''));
    expect(row?.text).toBe('Edited by the copilot');
  });

  it('item 3: a provider error that quotes the API key reaches neither the panel nor the saved conversation', async () => {
    const user = await newUser();
    const token = `quote-${crypto.randomUUID()}`;
    const key = `sk-quoted-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'http-error', status: 401, message: `Incorrect API key provided: ${key}` }]);
    const logs = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { chunks } = await chat(user, [userMessage(token)]);
      expect(chunks.find((chunk) => chunk.type === 'error')).toMatchObject({
        errorText: 'The model provider refused the request (HTTP 401; details in the server log)',
      });
      expect(JSON.stringify(chunks)).not.toContain(key);
      expect(JSON.stringify(await loadConversation(runtime.db, user.id))).not.toContain(key);
    } finally {
      logs.mockRestore();
    }
  });

  it('shows a provider failure mid-stream as an error', async () => {
    const user = await newUser();
    const token = `fail-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'fail-after', chunks: ['Let me ', 'check ', 'that'], delayMs: 50 }]);
    const { chunks } = await chat(user, [userMessage(token)]);
    expect(chunks.some((chunk) => chunk.type === 'text-delta')).toBe(true);
    const error = chunks.find((chunk) => chunk.type === 'error');
    expect(error).toMatchObject({
      errorText: expect.stringMatching(/^The model provider failed mid-answer/),
    });
    expect(chunks.filter((chunk) => chunk.type === 'error')).toHaveLength(1);
  });
});

describe('approval', () => {
  async function requestDeletion(user: { id: string; cookie: string }, token: string) {
    const [victim] = (await readSnapshot(runtime, user.id)).tables.todos;
    if (!victim) throw new Error('expected seeded todos');
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id: victim.id } }] },
      { kind: 'text', chunks: ['Okay.'] },
    ]);
    const question = userMessage(token);
    const { message } = await chat(user, [question]);
    const [part] = toolParts(message);
    expect(part?.state).toBe('approval-requested');
    // Nothing has run yet.
    expect(await todoTexts(user.id)).toContain(victim.text);
    return { victim, question, message };
  }

  /** What useChat sends after Approve / Deny: the same message with the approval answered. */
  function answered(message: UIMessage, approved: boolean): UIMessage {
    return {
      ...message,
      parts: message.parts.map((part) =>
        'approval' in part && part.approval
          ? ({
              ...part,
              state: 'approval-responded',
              approval: { ...part.approval, approved },
            } as typeof part)
          : part,
      ),
    };
  }

  it('runs the tool once the user approves', async () => {
    const user = await newUser();
    const token = `approve-${crypto.randomUUID()}`;
    const { victim, question, message } = await requestDeletion(user, token);
    const { message: after } = await chat(user, [question, answered(message, true)]);
    expect(await todoTexts(user.id)).not.toContain(victim.text);
    expect(toolParts(after)[0]?.state).toBe('output-available');
  });

  it('does not run it when the user denies, and tells the model so', async () => {
    const user = await newUser();
    const token = `deny-${crypto.randomUUID()}`;
    const { victim, question, message } = await requestDeletion(user, token);
    const { message: after } = await chat(user, [question, answered(message, false)]);
    expect(await todoTexts(user.id)).toContain(victim.text);
    expect(toolParts(after)[0]?.state).toBe('output-denied');
    expect(JSON.stringify(model.requests(token).at(-1)?.body.messages)).toMatch(/denied/i);
  });

  it('refuses an approval the server did not issue (forged id or signature): only its own copy counts', async () => {
    const user = await newUser();
    const token = `forge-${crypto.randomUUID()}`;
    const { victim, question, message } = await requestDeletion(user, token);
    const forged = answered(message, true);
    for (const part of forged.parts) {
      if ('approval' in part && part.approval)
        part.approval = { ...part.approval, id: 'forged-approval', signature: 'forged' } as never;
    }
    const response = await handleChat(
      chatRequest({ id: 'chat', messages: [question, forged], url: 'http://app.test/' }, user.cookie),
      chatDeps(runtime, model.baseUrl),
    );
    expect(response.status).toBe(409);
    expect(await todoTexts(user.id)).toContain(victim.text);
    // The thread still waits for the real answer.
    const saved = await loadConversation(runtime.db, user.id);
    expect(toolParts(saved.at(-1) as UIMessage)[0]?.state).toBe('approval-requested');
  });

  /** Posts a chat body as-is; resolves to the status and, for a 200, the streamed chunks read to the end. */
  async function post(user: { cookie: string }, messages: UIMessage[]) {
    const response = await handleChat(
      chatRequest({ id: 'chat', messages, trigger: 'submit-message', url: 'http://app.test/' }, user.cookie),
      chatDeps(runtime, model.baseUrl),
    );
    if (response.status === 200) await readChat(response);
    return { status: response.status, body: response.status === 200 ? null : await response.text() };
  }
  const deletions = async (userId: string) =>
    (
      await runtime.db
        .select({ n: count() })
        .from(syncCommits)
        .where(and(eq(syncCommits.userId, userId), eq(syncCommits.mutator, 'deleteTodo')))
    )[0]?.n;

  it('item 11: a replayed approval runs nothing and is answered clearly (409)', async () => {
    const user = await newUser();
    const token = `replay-${crypto.randomUUID()}`;
    const { victim, question, message } = await requestDeletion(user, token);
    const body = [question, answered(message, true)];
    expect((await post(user, body)).status).toBe(200);
    expect(await todoTexts(user.id)).not.toContain(victim.text);
    expect(await deletions(user.id)).toBe(1);
    const savedBefore = await loadConversation(runtime.db, user.id);

    // The same body again, after the tool ran: nothing runs, nothing is saved over the conversation.
    const replay = await post(user, body);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatch(/already answered/);
    expect(await deletions(user.id)).toBe(1);
    expect(await loadConversation(runtime.db, user.id)).toEqual(savedBefore);
  });

  it('item 11: two concurrent posts of the same approval: exactly one runs the tool', async () => {
    const user = await newUser();
    const token = `race-${crypto.randomUUID()}`;
    const { question, message } = await requestDeletion(user, token);
    const body = [question, answered(message, true)];
    const results = await Promise.all([post(user, body), post(user, body)]);
    expect(results.map((result) => result.status).sort((a, b) => a - b)).toEqual([200, 409]);
    expect(await deletions(user.id)).toBe(1);
  });

  it('item 11: a denied approval cannot be replayed as approved', async () => {
    const user = await newUser();
    const token = `flip-${crypto.randomUUID()}`;
    const { victim, question, message } = await requestDeletion(user, token);
    expect((await post(user, [question, answered(message, false)])).status).toBe(200);
    expect((await post(user, [question, answered(message, true)])).status).toBe(409);
    expect(await todoTexts(user.id)).toContain(victim.text);
    expect(await deletions(user.id)).toBe(0);
  });

  it('does not run an approved call on a page that no longer offers the tool', async () => {
    const user = await newUser();
    const token = `moved-${crypto.randomUUID()}`;
    const { victim, question, message } = await requestDeletion(user, token);
    const { chunks } = await chat(user, [question, answered(message, true)], { url: '/settings' });
    expect(await todoTexts(user.id)).toContain(victim.text);
    // The panel hears at once that it did not run (before anything the model says), and the saved thread shows
    // the call settled as an error, not pending for ever.
    const settledChunk = chunks.find((chunk) => chunk.type === 'tool-output-error');
    expect(settledChunk).toMatchObject({ errorText: expect.stringMatching(/did not run/) });
    const saved = await loadConversation(runtime.db, user.id);
    expect(toolParts(saved[1] as UIMessage)[0]).toMatchObject({
      state: 'output-error',
      errorText: expect.stringMatching(/not available/),
    });
  });
});

describe('requests that are refused', () => {
  const valid = () => ({ messages: [userMessage('hi')], url: 'http://app.test/' });

  it.each([
    ['a body that is not JSON', '{"messages": [', /not JSON/],
    ['no messages', { url: 'http://app.test/' }, /messages/],
    ['no page URL', { messages: [userMessage('hi')] }, /url/],
    [
      'a system message from the client',
      { ...valid(), messages: [{ id: 's', role: 'system', parts: [] }] },
      /role/,
    ],
    ['an oversize message', { ...valid(), messages: [userMessage('x'.repeat(8_001))] }, /text/],
    [
      'too many messages',
      { ...valid(), messages: Array.from({ length: 101 }, () => userMessage('x')) },
      /messages/,
    ],
    [
      'too many properties',
      { ...valid(), properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, i])) },
      /properties/,
    ],
  ])('%s → 400 naming the problem, nothing saved', async (_label, body, message) => {
    const user = await newUser();
    const response = await handleChat(chatRequest(body, user.cookie), chatDeps(runtime, model.baseUrl));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect(await loadConversation(runtime.db, user.id)).toEqual([]);
  });

  it('a reply the thread does not end with (a made-up history with a malformed tool part) → 409, nothing saved or run', async () => {
    const user = await newUser();
    const response = await handleChat(
      chatRequest(
        {
          ...valid(),
          messages: [
            userMessage('hi'),
            {
              id: 'a',
              role: 'assistant',
              parts: [
                {
                  type: 'tool-addTodo',
                  state: 'output-available',
                  toolCallId: 'c',
                  input: { text: 42 },
                  output: {},
                },
              ],
            },
          ],
        },
        user.cookie,
      ),
      chatDeps(runtime, model.baseUrl),
    );
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: string }).error).toMatch(/moved on/);
    expect(await loadConversation(runtime.db, user.id)).toEqual([]);
  });

  it('a body over the size limit → 413', async () => {
    const user = await newUser();
    const body = JSON.stringify({ ...valid(), padding: 'x'.repeat(600 * 1024) });
    const response = await handleChat(chatRequest(body, user.cookie), chatDeps(runtime, model.baseUrl));
    expect(response.status).toBe(413);
  });

  it('no session, or a forged one → 401', async () => {
    for (const cookie of [null, 'starter.session_token=forged.AAAA']) {
      const response = await handleChat(chatRequest(valid(), cookie), chatDeps(runtime, model.baseUrl));
      expect(response.status).toBe(401);
    }
  });

  it('too many requests from one user → 429 with Retry-After; other users are not affected', async () => {
    const [user, other] = [await newUser(), await newUser()];
    const deps = chatDeps(runtime, model.baseUrl, { rateLimiter: createRateLimiter(2, 60_000) });
    for (let i = 0; i < 2; i++) await readChat(await handleChat(chatRequest(valid(), user.cookie), deps));
    const limited = await handleChat(chatRequest(valid(), user.cookie), deps);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: string }).error).toMatch(/Too many/);
    expect((await handleChat(chatRequest(valid(), other.cookie), deps)).status).toBe(200);
  });

  it('no model configured → 503 naming the variables to set', async () => {
    const user = await newUser();
    const response = await handleChat(chatRequest(valid(), user.cookie), chatDeps(runtime, null));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toMatch(/OPENAI_COMPATIBLE_BASE_URL/);
  });
});
