/**
 * Resumable answers (server/copilot/stream-log.ts): an answer is generated once whoever listens; a reader that
 * comes later (a reload, a second tab, another process reading the log) gets it from its first chunk and follows
 * it to the end; a closed connection does not stop it, Stop does.
 */
import type { UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAnswerStream } from '@/server/copilot/answer-stream-handler';
import { handleChat } from '@/server/copilot/chat-handler';
import { activeStream, readLogged } from '@/server/copilot/stream-log';
import { loadThread } from '@/server/copilot/threads';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, readChat, sessionCookie, TEST_SECRET, userMessage } from './helpers/chat';
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

const words = Array.from({ length: 20 }, (_, index) => `word${index} `);
const contextDeps = () => ({ runtime, sessionSecret: TEST_SECRET });

async function newUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { id: user.id, cookie: await sessionCookie(runtime, user.id) };
}

function ask(user: { cookie: string }, text: string, thread: string, signal?: AbortSignal) {
  const request = chatRequest(
    { id: thread, messages: [userMessage(text)], url: 'http://app.test/' },
    user.cookie,
  );
  return handleChat(signal ? new Request(request, { signal }) : request, chatDeps(runtime, model.baseUrl));
}

function resume(user: { cookie: string }, thread: string, method = 'GET') {
  return handleAnswerStream(
    new Request(`http://app.test/api/chat/${thread}/stream`, { method, headers: { cookie: user.cookie } }),
    thread,
    contextDeps(),
  );
}

const textOf = (chunks: UIMessageChunk[]) =>
  chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');

async function readAll(stream: ReadableStream<UIMessageChunk>) {
  const chunks: UIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('resumable answers', () => {
  it('the asker leaves mid-answer; a reader that comes later gets the whole answer, generated once', async () => {
    const user = await newUser();
    const token = `leave-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'text', chunks: words, delayMs: 40 }]);
    const asker = new AbortController();
    const response = await ask(user, token, 'resume-a', asker.signal);
    const reader = response.body?.getReader();
    await reader?.read();
    asker.abort(); // The tab reloads.
    await reader?.cancel();

    const again = await resume(user, 'resume-a');
    expect(again.status).toBe(200);
    const { chunks } = await readChat(again);
    expect(textOf(chunks)).toBe(words.join(''));
    expect(chunks.filter((chunk) => chunk.type === 'start')).toHaveLength(1);
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(model.requests(token)).toHaveLength(1);
    // It completed once: the thread holds one answer, in full.
    const saved = (await loadThread(runtime.db, user.id, 'resume-a'))?.messages ?? [];
    expect(saved.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(JSON.stringify(saved[1])).toContain('word19');
    // Finished: nothing to resume any more.
    expect((await resume(user, 'resume-a')).status).toBe(204);
  });

  it('two readers (two tabs) see the same answer; another process reads it from the log', async () => {
    const user = await newUser();
    const token = `tabs-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'text', chunks: words, delayMs: 30 }]);
    const first = await ask(user, token, 'resume-b');
    const id = await activeStream(runtime.db, user.id, 'resume-b');
    expect(id).not.toBeNull();
    const second = await resume(user, 'resume-b');
    const [one, two, logged] = await Promise.all([
      readChat(first),
      readChat(second),
      readAll(readLogged(runtime.db, String(id))),
    ]);
    expect(textOf(one.chunks)).toBe(words.join(''));
    expect(two.chunks).toEqual(one.chunks);
    expect(logged).toEqual(one.chunks);
    expect(model.requests(token)).toHaveLength(1);
  });

  it('Stop (DELETE) ends the answer on the server; a closed connection alone does not', async () => {
    const user = await newUser();
    const token = `stop-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'text', chunks: Array.from({ length: 100 }, () => 'more '), delayMs: 30 }]);
    const response = await ask(user, token, 'resume-c');
    const reader = response.body?.getReader();
    await reader?.read();
    expect((await resume(user, 'resume-c', 'DELETE')).status).toBe(202);
    for (;;) if ((await reader?.read())?.done !== false) break;
    const saved = (await loadThread(runtime.db, user.id, 'resume-c'))?.messages ?? [];
    expect(JSON.stringify(saved).match(/more /g)?.length ?? 0).toBeLessThan(100);
    expect((await resume(user, 'resume-c')).status).toBe(204);
  });

  it('nobody else can resume or stop a user’s answer; bad ids and missing sessions are refused', async () => {
    const owner = await newUser();
    const other = await newUser();
    const token = `own-${crypto.randomUUID()}`;
    model.script(token, [{ kind: 'text', chunks: words, delayMs: 20 }]);
    const response = await ask(owner, token, 'resume-d');
    expect((await resume(other, 'resume-d')).status).toBe(204);
    expect((await resume(other, 'resume-d', 'DELETE')).status).toBe(204);
    expect(textOf((await readChat(response)).chunks)).toBe(words.join(''));
    expect((await resume(owner, '../x')).status).toBe(400);
    const anonymous = await handleAnswerStream(
      new Request('http://app.test/api/chat/resume-d/stream'),
      'resume-d',
      contextDeps(),
    );
    expect(anonymous.status).toBe(401);
    // Stop changes state: another site's page cannot send it with the user's cookie.
    const foreign = await handleAnswerStream(
      new Request('http://app.test/api/chat/resume-d/stream', {
        method: 'DELETE',
        headers: { cookie: owner.cookie, origin: 'https://evil.example' },
      }),
      'resume-d',
      contextDeps(),
    );
    expect(foreign.status).toBe(403);
  });
});
