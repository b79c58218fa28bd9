/**
 * A scripted OpenAI-compatible model server for tests: `POST /chat/completions` with `stream: true` answers with
 * Server-Sent Events exactly as the real API streams them, so the app's real AI SDK provider code runs end to end.
 * Each request takes the next script from the queue (or the default script).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. */
export type ModelScript =
  | { kind: 'text'; chunks: string[]; delayMs?: number }
  /** Streams some chunks, then drops the connection mid-stream (a provider failure). */
  | { kind: 'fail-after'; chunks: string[]; delayMs?: number }
  /** Answers with an HTTP error status and an OpenAI-style error body. */
  | { kind: 'http-error'; status: number; message: string };

export interface ModelServer {
  /** Base URL for OPENAI_COMPATIBLE_BASE_URL (ends in /v1). */
  readonly baseUrl: string;
  /** Scripts for the next requests, in order. */
  enqueue(...scripts: ModelScript[]): void;
  /** Bodies of the requests received so far. */
  readonly requests: unknown[];
  close(): Promise<void>;
}

export async function startModelServer(defaultScript: ModelScript, port = 0): Promise<ModelServer> {
  const queue: ModelScript[] = [];
  const requests: unknown[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/health') {
        response.end('ok');
        return;
      }
      if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
        response.writeHead(404).end();
        return;
      }
      requests.push(JSON.parse(body) as unknown);
      void answer(queue.shift() ?? defaultScript, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    enqueue: (...scripts) => queue.push(...scripts),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(script: ModelScript, response: http.ServerResponse) {
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
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  for (const chunk of script.chunks) {
    await new Promise((resolve) => setTimeout(resolve, script.delayMs ?? 20));
    send([{ index: 0, delta: { content: chunk }, finish_reason: null }]);
  }
  if (script.kind === 'fail-after') {
    response.socket?.destroy();
    return;
  }
  send([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  send([], {
    usage: {
      prompt_tokens: 10,
      completion_tokens: script.chunks.length,
      total_tokens: 10 + script.chunks.length,
    },
  });
  response.write('data: [DONE]\n\n');
  response.end();
}
