/**
 * Drives the copilot's chat handler in-process, as the browser's chat transport would: a signed session cookie,
 * the AI SDK request body, and the UI message stream read back as chunks and as the assembled assistant message.
 */
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { chooseModel } from '@/server/ai/model';
import type { ChatDeps } from '@/server/copilot/chat-handler';
import { createRateLimiter } from '@/framework/server/copilot/rate-limit';
import { parseEnv } from '@/server/env';
import type { Runtime } from '@/framework/server/runtime/runtime';
import { newSession } from './auth';

export const TEST_SECRET = 'chat-test-secret-with-at-least-32-characters';

export function chatDeps(runtime: Runtime, modelBaseUrl: string | null, overrides: Partial<ChatDeps> = {}) {
  const env = parseEnv({
    SESSION_SECRET: TEST_SECRET,
    ...(modelBaseUrl ? { OPENAI_COMPATIBLE_BASE_URL: modelBaseUrl } : {}),
  });
  return {
    contextDeps: { runtime, sessionSecret: TEST_SECRET },
    chooseModel: (settings) => chooseModel(settings, env),
    rateLimiter: createRateLimiter(1_000, 60_000),
    maxSteps: 5,
    ...overrides,
  } satisfies ChatDeps;
}

/** A Cookie header pair of a new session of `userId` (made a Better Auth user if it is not one yet). */
export async function sessionCookie(runtime: Runtime, userId: string): Promise<string> {
  return (await newSession(runtime, TEST_SECRET, userId)).cookie;
}

export function userMessage(text: string): UIMessage {
  return { id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] };
}

export function chatRequest(body: unknown, cookie: string | null): Request {
  return new Request('http://app.test/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * The stream's chunks, and the assistant message they build (what useChat would show). After an approval the
 * server continues the last assistant message: pass it as `continued`.
 */
export async function readChat(
  response: Response,
  continued?: UIMessage,
): Promise<{ chunks: UIMessageChunk[]; message: UIMessage }> {
  if (!response.body) throw new Error(`no body (HTTP ${response.status})`);
  const chunks: UIMessageChunk[] = [];
  const lines = response.body.pipeThrough(new TextDecoderStream());
  let buffer = '';
  for await (const text of lines) {
    buffer += text;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.replace(/^data: /, '');
      if (data && data !== '[DONE]') chunks.push(JSON.parse(data) as UIMessageChunk);
    }
  }
  let message: UIMessage | undefined;
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  for await (const state of readUIMessageStream<UIMessage>({ stream, message: continued })) message = state;
  if (!message) throw new Error('the stream built no message');
  return { chunks, message };
}
