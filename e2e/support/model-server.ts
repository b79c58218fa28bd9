/**
 * A scripted OpenAI-compatible model server for tests: `POST /chat/completions` with `stream: true` answers with
 * Server-Sent Events exactly as the real API streams them (text deltas, tool calls whose name comes first and whose
 * arguments arrive in pieces, a finish reason, usage, `[DONE]`), so the app's real AI SDK provider code runs end to
 * end.
 *
 * Which answer a request gets:
 * - a conversation script, when the last user message contains its token: the n-th answer after that user message
 *   is `steps[n]` (n = assistant turns since then), so a tool call and the reply after its result are two steps;
 * - otherwise the next queued script, otherwise the default script.
 * Scripts can be registered in-process or over HTTP (`POST /scripts`), and the request bodies read back
 * (`GET /requests?token=…`), so Playwright specs in other processes can script and inspect it too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One tool call the scripted model makes. */
export interface ScriptedToolCall {
  name: string;
  arguments: unknown;
}

/** One scripted answer. */
export type ModelScript =
  | { kind: 'text'; chunks: string[]; delayMs?: number }
  /** Calls tools (all in one step), optionally after some text. */
  | { kind: 'tool-calls'; calls: ScriptedToolCall[]; text?: string[]; delayMs?: number }
  /** Streams some chunks, then drops the connection mid-stream (a provider failure). */
  | { kind: 'fail-after'; chunks: string[]; delayMs?: number }
  /** Answers with an HTTP error status and an OpenAI-style error body. */
  | { kind: 'http-error'; status: number; message: string };

/** A request as received, with when its answer's tool calls were fully sent (performance.now()). */
export interface RecordedRequest {
  body: ChatCompletionRequest;
  toolCallsSentAt?: number;
  /** Set when the app closed the request before its answer was complete (e.g. the user pressed Stop). */
  closedEarly?: true;
}

export interface ChatCompletionRequest {
  messages?: { role: string; content?: unknown }[];
  tools?: { function?: { name?: string } }[];
}

export interface ModelServer {
  /** Base URL for OPENAI_COMPATIBLE_BASE_URL (ends in /v1). */
  readonly baseUrl: string;
  /** Scripts for the next requests that match no conversation, in order. */
  enqueue(...scripts: ModelScript[]): void;
  /** Answers for every conversation whose last user message contains `token`. */
  script(token: string, steps: ModelScript[]): void;
  /** Requests received so far (all, or those of one conversation token). */
  requests(token?: string): RecordedRequest[];
  close(): Promise<void>;
}

const DONE_STEP: ModelScript = { kind: 'text', chunks: ['Done.'] };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part as { text?: string }).text ?? '').join('');
  }
  return '';
}

/** The conversation's token and how many assistant turns follow its last user message. */
function conversationPosition(body: ChatCompletionRequest, tokens: Iterable<string>) {
  const messages = body.messages ?? [];
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  if (lastUser < 0) return null;
  const text = textOf(messages[lastUser]?.content);
  for (const token of tokens) {
    if (!text.includes(token)) continue;
    const step = messages.slice(lastUser + 1).filter((message) => message.role === 'assistant').length;
    return { token, step };
  }
  return null;
}

export async function startModelServer(defaultScript: ModelScript, port = 0): Promise<ModelServer> {
  const queue: ModelScript[] = [];
  const conversations = new Map<string, ModelScript[]>();
  const recorded: { token: string | null; request: RecordedRequest }[] = [];

  function chooseScript(body: ChatCompletionRequest) {
    const position = conversationPosition(body, conversations.keys());
    if (position) {
      const steps = conversations.get(position.token) ?? [];
      return { token: position.token, script: steps[position.step] ?? DONE_STEP };
    }
    return { token: null, script: queue.shift() ?? defaultScript };
  }

  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://model.test');
      if (url.pathname === '/health') {
        response.end('ok');
        return;
      }
      if (request.method === 'POST' && url.pathname === '/scripts') {
        const { token, steps } = JSON.parse(raw) as { token: string; steps: ModelScript[] };
        conversations.set(token, steps);
        response.writeHead(204).end();
        return;
      }
      if (request.method === 'GET' && url.pathname === '/requests') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(requestsOf(url.searchParams.get('token') ?? undefined)));
        return;
      }
      if (request.method !== 'POST' || !url.pathname.endsWith('/chat/completions')) {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as ChatCompletionRequest;
      const { token, script } = chooseScript(body);
      const entry: RecordedRequest = { body };
      recorded.push({ token, request: entry });
      response.on('close', () => {
        if (!response.writableFinished) entry.closedEarly = true;
      });
      void answer(script, response, entry);
    });
  });

  function requestsOf(token?: string): RecordedRequest[] {
    return recorded
      .filter((entry) => token === undefined || entry.token === token)
      .map((entry) => entry.request);
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    enqueue: (...scripts) => queue.push(...scripts),
    script: (token, steps) => conversations.set(token, steps),
    requests: requestsOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answer(script: ModelScript, response: http.ServerResponse, entry: RecordedRequest) {
  if (script.kind === 'http-error') {
    response.writeHead(script.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: script.message, type: 'server_error', code: null } }));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const send = (choices: unknown[], extra: object = {}) =>
    response.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: 'scripted', choices, ...extra })}\n\n`,
    );
  const delta = (value: object, finish: string | null = null) =>
    send([{ index: 0, delta: value, finish_reason: finish }]);

  delta({ role: 'assistant', content: '' });
  const chunks = script.kind === 'tool-calls' ? (script.text ?? []) : script.chunks;
  for (const chunk of chunks) {
    await pause(script.delayMs ?? 20);
    if (response.destroyed) return; // The client went away (e.g. the user pressed Stop).
    delta({ content: chunk });
  }
  if (script.kind === 'fail-after') {
    response.socket?.destroy();
    return;
  }
  let completionTokens = chunks.length;
  if (script.kind === 'tool-calls') {
    for (const [index, call] of script.calls.entries()) {
      const args = JSON.stringify(call.arguments);
      const half = Math.ceil(args.length / 2);
      // The real API sends the id and name first, then the arguments in pieces.
      delta({
        tool_calls: [
          {
            index,
            id: `call_${index}_${Date.now()}`,
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        ],
      });
      delta({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] });
      delta({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] });
      completionTokens += 3;
    }
    delta({}, 'tool_calls');
    entry.toolCallsSentAt = performance.now();
  } else {
    delta({}, 'stop');
  }
  send([], {
    usage: { prompt_tokens: 10, completion_tokens: completionTokens, total_tokens: 10 + completionTokens },
  });
  response.write('data: [DONE]\n\n');
  response.end();
}
