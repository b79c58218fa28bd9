/**
 * CopilotKit's tool-call overhead, measured as bench/chat-tool-overhead.ts measures this project's: the same
 * scripted OpenAI-compatible model server (e2e/support/model-server.ts, in this process, so one clock), the same
 * script (the model calls addTodo({ text: 'bench' }), then answers "ok"), and the same backend action (add a todo
 * to the project's `todos` table on the same PostgreSQL database). Overhead = the model's tool-call chunks sent →
 * the TOOL_CALL_RESULT event read from the runtime's response stream, minus the action handler's own time.
 *
 * The runtime is set up as CopilotKit 1.7x documents it: `new CopilotRuntime({ actions })` behind
 * `copilotRuntimeNodeHttpEndpoint` with an `OpenAIAdapter`; the default agent is given explicitly as a
 * `BuiltInAgent` over the model's Chat Completions API, because the adapter's own agent would call the Responses
 * API, which the scripted model (like most OpenAI-compatible servers) does not offer. Requests go straight to the
 * endpoint's fetch handler (no socket), as the project's bench calls its chat handler.
 *
 *   node src/tool-overhead.ts --database-url=postgres://… [--samples=200] [--warm-up=20] [--seconds=120]
 *
 * Prints one JSON line: { samples: [{ chunkToResult, handler }], failed, errors }.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOpenAI } from '@ai-sdk/openai';
import { CopilotRuntime, copilotRuntimeNodeHttpEndpoint, OpenAIAdapter } from '@copilotkit/runtime';
import { BuiltInAgent } from '@copilotkit/runtime/v2';
import OpenAI from 'openai';
import pg from 'pg';
import { startModelServer } from '../../../../e2e/support/model-server.ts';

const option = (name: string, fallback: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const databaseUrl = option('database-url', '');
if (!databaseUrl) throw new Error('usage: node src/tool-overhead.ts --database-url=postgres://…');
const samples = Number(option('samples', '200'));
const warmUp = Number(option('warm-up', '20'));
const seconds = Number(option('seconds', '120'));
const pauseMs = Number(option('pause-ms', '5'));

const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
const userId = randomUUID();
await db.query('insert into users (id) values ($1)', [userId]);
let position = 0;
let handlerTimes: { startedAt: number; endedAt: number }[] = [];

const model = await startModelServer({ kind: 'text', chunks: ['(no script)'] });
const runtime = new CopilotRuntime({
  agents: {
    default: new BuiltInAgent({
      model: createOpenAI({ baseURL: model.baseUrl, apiKey: 'bench' }).chat('bench-model'),
      maxSteps: 5,
    }),
  },
  actions: [
    {
      name: 'addTodo',
      description: 'Add a todo to the list.',
      parameters: [{ name: 'text', type: 'string', description: 'What to do.', required: true }],
      handler: async ({ text }: { text: string }) => {
        const startedAt = performance.now();
        const id = randomUUID();
        position += 1;
        await db.query('insert into todos (id, owner_id, text, position) values ($1, $2, $3, $4)', [
          id,
          userId,
          text,
          position,
        ]);
        handlerTimes.push({ startedAt, endedAt: performance.now() });
        return { id, text };
      },
    },
  ],
});
const serviceAdapter = new OpenAIAdapter({
  openai: new OpenAI({ baseURL: model.baseUrl, apiKey: 'bench' }),
  model: 'bench-model',
});
// Work-around for CopilotKit 1.75.0: its endpoint factories read `runtime.instance` (for telemetry) before they
// call `handleServiceAdapter`, which is what attaches the v1 `actions` to the agents, so the instance is built
// without them and the model is told "unavailable tool 'addTodo'". Attaching them first is what the factory
// means to do.
runtime.handleServiceAdapter(serviceAdapter);
const handle = copilotRuntimeNodeHttpEndpoint({
  endpoint: '/api/copilotkit',
  runtime,
  serviceAdapter,
}) as unknown as (request: Request) => Promise<Response>;

/** Reads the AG-UI event stream (SSE) to its end; returns when TOOL_CALL_RESULT arrived. */
async function readUntilToolResult(response: Response): Promise<number> {
  if (!response.body) throw new Error(`no body (HTTP ${response.status})`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let resultAt: number | null = null;
  const problems: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    const readAt = performance.now();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('');
      buffer = buffer.slice(end + 2);
      if (!data) continue;
      const event = JSON.parse(data) as { type: string; message?: string };
      if (event.type === 'TOOL_CALL_RESULT' && resultAt === null) resultAt = readAt;
      if (event.type === 'RUN_ERROR') problems.push(`RUN_ERROR: ${event.message ?? '?'}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  if (resultAt === null) throw new Error('the stream carried no TOOL_CALL_RESULT event');
  return resultAt;
}

async function sample(): Promise<{ chunkToResult: number; handler: number }> {
  const token = `bench-${randomUUID()}`;
  model.script(token, [
    { kind: 'tool-calls', calls: [{ name: 'addTodo', arguments: { text: 'bench' } }] },
    { kind: 'text', chunks: ['ok'] },
  ]);
  handlerTimes = [];
  const request = new Request('http://bench.test/api/copilotkit', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      method: 'agent/run',
      params: { agentId: 'default' },
      body: {
        threadId: randomUUID(),
        runId: randomUUID(),
        state: {},
        messages: [{ id: randomUUID(), role: 'user', content: `${token} add` }],
        tools: [],
        context: [],
        forwardedProps: {},
      },
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const response = await handle(request);
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const resultAt = await readUntilToolResult(response);
  const sentAt = model.requests(token)[0]?.toolCallsSentAt;
  if (sentAt === undefined) throw new Error('the model server recorded no tool-call send time');
  const [timing, ...more] = handlerTimes;
  if (!timing || more.length > 0) throw new Error(`expected one tool execution, saw ${handlerTimes.length}`);
  await sleep(pauseMs);
  return { chunkToResult: resultAt - sentAt, handler: timing.endedAt - timing.startedAt };
}

const errors = new Set<string>();
let failed = 0;
const run = async () => {
  try {
    return await sample();
  } catch (error) {
    failed++;
    if (errors.size < 5) errors.add(error instanceof Error ? error.message : String(error));
    return null;
  }
};
try {
  for (let k = 0; k < warmUp; k++) await run();
  if (failed === warmUp && warmUp > 0)
    throw new Error(`every warm-up sample failed: ${[...errors].join('; ')}`);
  failed = 0;
  errors.clear();
  const measured: { chunkToResult: number; handler: number }[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (let k = 0; k < samples && performance.now() < deadline; k++) {
    const result = await run();
    if (result) measured.push(result);
  }
  console.log(JSON.stringify({ samples: measured, failed, errors: [...errors] }));
} finally {
  await model.close();
  await db.end();
}
