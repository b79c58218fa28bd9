/**
 * One engine's run of the copilot tool-call overhead measurement (see bench/chat-tool-overhead.ts): chat turns in
 * which the scripted model calls addTodo, timed from the model's tool-call chunks to the tool-result chunk, minus
 * the handler. Shared by chat-tool-overhead.ts and the CopilotKit comparison (peers-copilot.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseModel } from '@/server/ai/model';
import { handleChat, type ChatDeps } from '@/server/copilot/chat-handler';
import { createRateLimiter, ensureUser, type Runtime } from '@/framework/server';
import { parseEnv } from '@/server/env';
import { newSession } from '../../tests/helpers/auth';
import type { ModelServer } from '../../e2e/support/model-server';
import type { BenchDatabase } from '../support/databases';

const SESSION_SECRET = 'bench-session-secret-with-at-least-32-chars';
/** One chat turn, from sending the request to the end of its stream, may take at most this long. */
const SAMPLE_TIMEOUT_MS = 15_000;

export interface ToolOverheadOptions {
  samples: number;
  warmUp: number;
  /** The measured samples stop here even if fewer than `samples` were taken. */
  seconds: number;
  /** A quiet moment between samples, after the previous turn's feed reads have settled. */
  pauseMs: number;
}

export interface Sample {
  /** Tool-call chunks fully written by the model server → tool-output-available chunk read from the response. */
  chunkToResult: number;
  /** callTool through the executor, as the onToolTiming hook saw it. */
  handler: number;
  overhead: number;
  /** The two parts of the overhead: before the handler starts, and after it ends. */
  toHandler: number;
  fromHandler: number;
}

export interface EngineResult {
  engine: BenchDatabase['engine'];
  samples: Sample[];
  failed: number;
  errors: string[];
  timedOut: boolean;
}

/**
 * Reads the UI message stream (SSE) as it arrives and returns when `tool-output-available` was read; then reads on
 * to the end, so the turn (the model's second step, saving the conversation) is over before the next sample.
 */
async function readUntilToolOutput(response: Response): Promise<number> {
  if (!response.body) throw new Error(`no body (HTTP ${response.status})`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let outputAt: number | null = null;
  const problems: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    const readAt = performance.now();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer.slice(0, end).replace(/^data: /, '');
      buffer = buffer.slice(end + 2);
      if (!data || data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { type: string; errorText?: string };
      if (chunk.type === 'tool-output-available' && outputAt === null) outputAt = readAt;
      if (chunk.type === 'tool-output-error' || chunk.type === 'error')
        problems.push(`${chunk.type}: ${chunk.errorText ?? '?'}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  if (outputAt === null) throw new Error('the stream carried no tool-output-available chunk');
  return outputAt;
}

/** Runs `options.warmUp` + `options.samples` chat turns of one new user on `runtime`. */
export async function measure(
  runtime: Runtime,
  model: ModelServer,
  label: BenchDatabase['engine'],
  options: ToolOverheadOptions,
): Promise<EngineResult> {
  const env = parseEnv({ SESSION_SECRET, OPENAI_COMPATIBLE_BASE_URL: model.baseUrl });
  let handlerTimes: { name: string; startedAt: number; endedAt: number }[] = [];
  const deps: ChatDeps = {
    contextDeps: { runtime, sessionSecret: SESSION_SECRET },
    chooseModel: (settings) => chooseModel(settings, env),
    // Generous: the bench sends far more turns per minute than a person would.
    rateLimiter: createRateLimiter(1_000_000, 60_000),
    maxSteps: 5,
    onToolTiming: (name, startedAt, endedAt) => handlerTimes.push({ name, startedAt, endedAt }),
  };
  const user = await ensureUser(runtime, crypto.randomUUID());
  const { cookie } = await newSession(runtime, SESSION_SECRET, user.id);

  async function sample(): Promise<Sample> {
    const token = `bench-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'addTodo', arguments: { text: 'bench' } }] },
      { kind: 'text', chunks: ['ok'] },
    ]);
    handlerTimes = [];
    const request = new Request('http://bench.test/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        id: 'chat',
        messages: [
          { id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text: `${token} add` }] },
        ],
        trigger: 'submit-message',
        url: 'http://bench.test/',
        properties: {},
      }),
      signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS),
    });
    const response = await handleChat(request, deps);
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    const outputAt = await readUntilToolOutput(response);
    const sentAt = model.requests(token)[0]?.toolCallsSentAt;
    if (sentAt === undefined) throw new Error('the model server recorded no tool-call send time');
    const [timing, ...more] = handlerTimes;
    if (!timing || more.length > 0)
      throw new Error(`expected one tool execution, saw ${handlerTimes.length}`);
    const chunkToResult = outputAt - sentAt;
    const handler = timing.endedAt - timing.startedAt;
    // Let the turn's change-feed reads finish before the next sample, so they do not land in its window.
    await runtime.feed.refresh().catch(() => undefined);
    await sleep(options.pauseMs);
    return {
      chunkToResult,
      handler,
      overhead: chunkToResult - handler,
      toHandler: timing.startedAt - sentAt,
      fromHandler: outputAt - timing.endedAt,
    };
  }

  const errors = new Set<string>();
  let failed = 0;
  const run = async (): Promise<Sample | null> => {
    try {
      return await sample();
    } catch (error) {
      failed++;
      if (errors.size < 5) errors.add(error instanceof Error ? error.message : String(error));
      return null;
    }
  };

  for (let k = 0; k < options.warmUp; k++) await run();
  const warmUpFailed = failed;
  failed = 0;
  if (warmUpFailed === options.warmUp)
    throw new Error(`${label}: every warm-up sample failed: ${[...errors].join('; ')}`);
  errors.clear();

  const samples: Sample[] = [];
  const deadline = performance.now() + options.seconds * 1000;
  let timedOut = false;
  for (let k = 0; k < options.samples; k++) {
    if (performance.now() >= deadline) {
      timedOut = true;
      break;
    }
    const result = await run();
    if (result) samples.push(result);
  }
  return { engine: label, samples, failed, errors: [...errors], timedOut };
}
