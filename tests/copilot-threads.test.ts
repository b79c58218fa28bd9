/**
 * The copilot, round two, through the chat handler and the real AI SDK provider code against the scripted model:
 * threads held by the server (only the newest message is sent; long threads are trimmed, never refused), thread
 * ownership, notices when the step limit or the repeat guard ends a turn, calls described from the user's data,
 * the user's system prompt, provider failures before any text, input errors in words, and browser-run tools.
 */
import { eq } from 'drizzle-orm';
import type { UIMessage, UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { providerSettings, todos } from '@/db/schema';
import { createInnerContext } from '@/server/context';
import { handleChat } from '@/server/copilot/chat-handler';
import { loadThread } from '@/server/copilot/threads';
import { HISTORY_BUDGET } from '@/server/copilot/trim-history';
import { createCaller } from '@/server/routers/_app';
import { readSnapshot } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, readChat, sessionCookie, userMessage } from './helpers/chat';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let model: ModelServer;

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['Fine.'] });
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

interface Turn {
  thread?: string;
  url?: string;
  properties?: Record<string, unknown>;
  clientTools?: unknown[];
  maxSteps?: number;
}

/** Posts one message to a thread, as the panel does (only the newest message). */
async function post(user: { cookie: string }, message: UIMessage, turn: Turn = {}) {
  return handleChat(
    chatRequest(
      {
        id: turn.thread ?? 'thread-a',
        messages: [message],
        trigger: 'submit-message',
        url: `http://app.test${turn.url ?? '/'}`,
        properties: turn.properties ?? {},
        clientTools: turn.clientTools ?? [],
      },
      user.cookie,
    ),
    chatDeps(runtime, model.baseUrl, turn.maxSteps ? { maxSteps: turn.maxSteps } : {}),
  );
}

async function say(user: { cookie: string }, message: UIMessage, turn: Turn = {}) {
  const response = await post(user, message, turn);
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return readChat(response, message.role === 'assistant' ? structuredClone(message) : undefined);
}

const thread = async (userId: string, id = 'thread-a') =>
  (await loadThread(runtime.db, userId, id))?.messages ?? [];
const systemOf = (token: string, index = 0) =>
  String(model.requests(token)[index]?.body.messages?.find((message) => message.role === 'system')?.content);
const errorOf = (chunks: UIMessageChunk[]) =>
  (chunks.find((chunk) => chunk.type === 'error') as { errorText?: string } | undefined)?.errorText;

describe('threads', () => {
  it('60 turns in one thread, then one more: works, and the model sees a trimmed history with a summary', async () => {
    const user = await newUser();
    for (let turn = 0; turn < 60; turn++)
      await say(user, userMessage(`turn ${turn}: remember the number ${turn}`));
    expect(await thread(user.id)).toHaveLength(120);

    const token = `more-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'text', chunks: ['Still here.'] }]);
    const { message } = await say(user, userMessage(`${token} one more`));
    expect(message.parts.at(-1)).toMatchObject({ type: 'text', text: 'Still here.' });
    expect(await thread(user.id)).toHaveLength(122);

    const sent = model.requests(token)[0]?.body.messages ?? [];
    const conversation = sent.filter((entry) => entry.role !== 'system');
    expect(conversation.length).toBeLessThanOrEqual(HISTORY_BUDGET.maxMessages);
    // Whole turns from a user message on, the newest last; what was cut is summarized, never silently lost.
    expect(conversation[0]?.role).toBe('user');
    expect(JSON.stringify(conversation.at(-1))).toContain('one more');
    expect(systemOf(token)).toMatch(/\d+ messages are not shown/);
    // The newest of the cut requests are quoted (as data), the oldest are only counted.
    expect(systemOf(token)).toContain('turn 40: remember the number 40');
    expect(systemOf(token)).not.toContain('turn 0: remember');
  });

  it('keeps two threads apart, lists them newest first, renames and deletes them', async () => {
    const user = await newUser();
    await say(user, userMessage('about the garden'), { thread: 'garden' });
    await say(user, userMessage('about the kitchen'), { thread: 'kitchen' });
    await say(user, userMessage('more garden'), { thread: 'garden' });
    expect((await thread(user.id, 'garden')).filter((m) => m.role === 'user')).toHaveLength(2);
    expect((await thread(user.id, 'kitchen')).filter((m) => m.role === 'user')).toHaveLength(1);

    const caller = createCaller(createInnerContext({ runtime, user: { id: user.id, kind: 'anonymous' } }));
    const listed = await caller.copilot.threads();
    expect(listed.map((entry) => [entry.id, entry.title])).toEqual([
      ['garden', 'about the garden'],
      ['kitchen', 'about the kitchen'],
    ]);
    await caller.copilot.rename({ id: 'kitchen', title: 'Kitchen plans' });
    expect((await caller.copilot.thread({ id: 'kitchen' })).title).toBe('Kitchen plans');
    await caller.copilot.delete({ id: 'garden' });
    expect((await caller.copilot.threads()).map((entry) => entry.id)).toEqual(['kitchen']);
    await expect(caller.copilot.rename({ id: 'kitchen', title: '   ' })).rejects.toThrow(/must not be empty/);
  });

  it('a thread id is per user: another user naming it gets their own (empty) thread and cannot rename or delete it', async () => {
    const owner = await newUser();
    const other = await newUser();
    await say(owner, userMessage('my secret plans'), { thread: 'shared-name' });
    const caller = createCaller(createInnerContext({ runtime, user: { id: other.id, kind: 'anonymous' } }));
    expect((await caller.copilot.thread({ id: 'shared-name' })).messages).toEqual([]);
    await expect(caller.copilot.rename({ id: 'shared-name', title: 'mine' })).rejects.toThrow(
      /No such thread/,
    );
    await expect(caller.copilot.delete({ id: 'shared-name' })).rejects.toThrow(/No such thread/);
    await say(other, userMessage('hello'), { thread: 'shared-name' });
    expect(JSON.stringify(await thread(owner.id, 'shared-name'))).toContain('my secret plans');
    expect(JSON.stringify(await thread(other.id, 'shared-name'))).not.toContain('my secret plans');
  });

  it('refuses a thread id that is not letters, digits, _ or - (400 naming the field)', async () => {
    const user = await newUser();
    const response = await post(user, userMessage('hi'), { thread: '../other' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^Invalid chat request: id: /);
  });

  it('a new question settles a call still waiting for approval as "did not run"', async () => {
    const user = await newUser();
    const [victim] = (await readSnapshot(runtime, user.id)).tables.todos;
    const token = `pending-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id: victim?.id } }] },
    ]);
    await say(user, userMessage(token));
    await say(user, userMessage('never mind'));
    const saved = await thread(user.id);
    expect(JSON.stringify(saved[1])).toMatch(/not answered before the next message, so it did not run/);
    expect((await readSnapshot(runtime, user.id)).tables.todos.map((todo) => todo.id)).toContain(victim?.id);
  });
});

describe('turns that end early say so', () => {
  it('the step limit ends the turn with a step-limit notice', async () => {
    const user = await newUser();
    const token = `steps-${crypto.randomUUID()}`;
    model.script(
      token,
      Array.from({ length: 10 }, (_, step) => ({
        kind: 'tool-calls' as const,
        calls: [{ name: 'addTodo', arguments: { text: `step ${step}` } }],
      })),
    );
    const { message } = await say(user, userMessage(token), { maxSteps: 4 });
    expect(model.requests(token)).toHaveLength(4);
    expect(message.metadata).toMatchObject({
      notice: { kind: 'step-limit', text: expect.stringMatching(/4 steps/) },
    });
    // Saved with the thread, so it is still there after a reload.
    expect((await thread(user.id)).at(-1)?.metadata).toMatchObject({ notice: { kind: 'step-limit' } });
  });

  it('a turn that ends by itself has no notice', async () => {
    const user = await newUser();
    const { message } = await say(user, userMessage('hello'));
    expect(message.metadata ?? {}).not.toHaveProperty('notice');
  });

  it('the same tool with the same input three times in a row: the third does not run, the turn stops with a notice', async () => {
    const user = await newUser();
    const token = `loop-${crypto.randomUUID()}`;
    const same = {
      kind: 'tool-calls' as const,
      calls: [{ name: 'addTodo', arguments: { text: 'Loop me' } }],
    };
    model.script(token, [same, same, same, same, same]);
    const { message } = await say(user, userMessage(token), { maxSteps: 10 });
    const rows = await runtime.db.select().from(todos).where(eq(todos.ownerId, user.id));
    expect(rows.filter((row) => row.text === 'Loop me')).toHaveLength(2);
    expect(model.requests(token)).toHaveLength(3);
    expect(message.metadata).toMatchObject({
      notice: {
        kind: 'repeated-call',
        text: expect.stringMatching(/addTodo was called with the same input 3 times/),
      },
    });
  });
});

describe('what the user reads', () => {
  it('an approval card names the todo by its text (describe, from the user’s own data)', async () => {
    const user = await newUser();
    const [victim] = (await readSnapshot(runtime, user.id)).tables.todos;
    const token = `describe-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id: victim?.id } }] },
    ]);
    const { message } = await say(user, userMessage(token));
    const call = message.parts.find((part) => part.type === 'tool-deleteTodo') as { toolCallId: string };
    expect(message.metadata).toMatchObject({
      descriptions: { [call.toolCallId]: `Delete the todo ‘${victim?.text}’?` },
    });
  });

  it('describing another user’s todo reveals nothing about it', async () => {
    const owner = await newUser();
    const other = await newUser();
    const [theirs] = (await readSnapshot(runtime, owner.id)).tables.todos;
    const token = `peek-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id: theirs?.id } }] },
    ]);
    const { message } = await say(other, userMessage(token));
    expect(JSON.stringify(message.metadata)).toContain('a todo that is not on your list');
    expect(JSON.stringify(message.metadata)).not.toContain(String(theirs?.text));
  });

  it('a tool input error names the field in words, without the schema’s pattern', async () => {
    const user = await newUser();
    const token = `bad-${crypto.randomUUID()}`;
    model.script(token, [
      {
        kind: 'tool-calls',
        calls: [{ name: 'setTodoCompleted', arguments: { id: 'nope', completed: true } }],
      },
      { kind: 'text', chunks: ['Sorry.'] },
    ]);
    const { message } = await say(user, userMessage(token));
    const part = message.parts.find((entry) => entry.type === 'tool-setTodoCompleted') as {
      errorText?: string;
    };
    expect(part.errorText).toBe(
      'Invalid input for setTodoCompleted: “id” must be an id (a UUID, as the tools return it)',
    );
  });

  it('the user’s own system prompt reaches the model, after the app’s rules', async () => {
    const user = await newUser();
    await runtime.db
      .insert(providerSettings)
      .values({ userId: user.id, systemPrompt: 'Always answer in French.' });
    const token = `prompt-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'text', chunks: ['Bonjour.'] }]);
    await say(user, userMessage(token));
    expect(systemOf(token)).toMatch(/You are the copilot[\s\S]*Always answer in French\./);
  });

  it('a provider 500 before any text is "failed before answering", not "mid-answer"', async () => {
    const user = await newUser();
    const token = `down-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'http-error', status: 500, message: 'upstream exploded' }]);
    const logs = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { chunks } = await say(user, userMessage(token));
      expect(errorOf(chunks)).toBe(
        'The model provider failed before answering (HTTP 500); try again (details in the server log)',
      );
      expect(JSON.stringify(chunks)).not.toContain('upstream exploded');
    } finally {
      logs.mockRestore();
    }
  });
});

describe('browser-run tools', () => {
  const selectTodo = {
    name: 'selectTodo',
    description: 'Select a todo on the page.',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  };

  it('are offered with the page, wait for the tab, and their result reaches the model; then setTodoText is offered', async () => {
    const user = await newUser();
    const [todo] = (await readSnapshot(runtime, user.id)).tables.todos;
    const token = `select-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'selectTodo', arguments: { id: todo?.id } }] },
      { kind: 'tool-calls', calls: [{ name: 'setTodoText', arguments: { text: 'Renamed in the tab' } }] },
      { kind: 'text', chunks: ['Done.'] },
    ]);
    const { message } = await say(user, userMessage(token), { clientTools: [selectTodo] });
    const names = (model.requests(token)[0]?.body.tools ?? []).map((entry) => entry.function?.name);
    expect(names).toContain('selectTodo');
    expect(names).not.toContain('setTodoText');
    const call = message.parts.find((part) => part.type === 'tool-selectTodo') as {
      state: string;
      toolCallId: string;
    };
    expect(call.state).toBe('input-available');

    // The tab ran it (and selected the todo): it sends the result with the page's new properties.
    const answered = {
      ...message,
      parts: message.parts.map((part) =>
        part.type === 'tool-selectTodo'
          ? { ...part, state: 'output-available', output: { selected: todo?.id } }
          : part,
      ),
    } as UIMessage;
    await say(user, answered, { clientTools: [selectTodo], properties: { selectedTodoId: todo?.id } });
    const second = model.requests(token)[1]?.body;
    expect(JSON.stringify(second?.messages)).toContain(String(todo?.id));
    expect((second?.tools ?? []).map((entry) => entry.function?.name)).toContain('setTodoText');
    const [row] = await runtime.db
      .select()
      .from(todos)
      .where(eq(todos.id, String(todo?.id)));
    expect(row?.text).toBe('Renamed in the tab');
  });

  it('a browser tool may not take a server tool’s name (400 naming the field)', async () => {
    const user = await newUser();
    const response = await post(user, userMessage('hi'), {
      clientTools: [{ ...selectTodo, name: 'deleteTodo' }],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /clientTools: deleteTodo is the name of a server tool/,
    );
  });

  it('a result for a server tool’s call is not taken from the client', async () => {
    const user = await newUser();
    const [victim] = (await readSnapshot(runtime, user.id)).tables.todos;
    const token = `fake-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id: victim?.id } }] },
    ]);
    const { message } = await say(user, userMessage(token));
    const faked = {
      ...message,
      parts: message.parts.map((part) =>
        part.type === 'tool-deleteTodo' ? { ...part, state: 'output-available', output: { ok: true } } : part,
      ),
    } as UIMessage;
    const response = await post(user, faked);
    expect(response.status).toBe(409);
    expect(JSON.stringify(await thread(user.id))).not.toContain('output-available');
  });
});
