/**
 * Traces, with an in-process exporter: one trace from a tRPC request through the mutator, the commit and the
 * fan-out; an action run from its enqueue to its finish (in the trace that enqueued it); a chat turn with its model
 * calls and tool calls, the tool's mutation nested inside. Real HTTP for tRPC, the scripted OpenAI-compatible server
 * for the model.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { OpenTelemetry } from '@ai-sdk/otel';
import { registerTelemetry } from 'ai';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '@/client/create-client';
import { actionRuns } from '@/framework/server/schema';
import { handleChat } from '@/server/copilot/chat-handler';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { newSession } from './helpers/auth';
import { runTraceParent } from '@/framework/server/telemetry/run-traces';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, readChat, sessionCookie, TEST_SECRET, userMessage } from './helpers/chat';
import { createTestRuntime } from './helpers/test-database';
import { startTrpcHttpServer, type TrpcHttpServer } from './helpers/trpc-http-server';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
registerTelemetry(new OpenTelemetry());

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let server: TrpcHttpServer;
let queue: ActionQueue;
let model: ModelServer;

beforeAll(async () => {
  runtime = await createTestRuntime();
  server = await startTrpcHttpServer(runtime, TEST_SECRET);
  queue = startActionQueue(runtime, { retryBaseMs: 50 });
  model = await startModelServer({ kind: 'text', chunks: ['Hello'] });
});
afterAll(async () => {
  await queue?.stop();
  await server?.close();
  await runtime?.close();
  await model?.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The one finished span named `name` (or matching it); fails naming what there is. */
function only(name: string | RegExp): ReadableSpan {
  const found = spans().filter((span) =>
    typeof name === 'string' ? span.name === name : name.test(span.name),
  );
  expect(
    found.map((span) => span.name),
    `spans: ${spans()
      .map((span) => span.name)
      .join(', ')}`,
  ).toHaveLength(1);
  return found[0] as ReadableSpan;
}

function expectChild(child: ReadableSpan, parent: ReadableSpan) {
  expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  expect(parentOf(child), `${child.name} is a child of ${parent.name}`).toBe(parent.spanContext().spanId);
}

/** True when `span` has `ancestor` above it (same trace, following parent links). */
function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan): boolean {
  const byId = new Map(spans().map((each) => [each.spanContext().spanId, each]));
  for (let at: ReadableSpan | undefined = span; at; at = byId.get(parentOf(at) ?? '')) {
    if (at === ancestor) return true;
  }
  return false;
}

async function newClient() {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  return {
    userId,
    client: createClient({
      url: server.url,
      sessionCookie: (await newSession(runtime, TEST_SECRET, userId)).cookie,
    }),
  };
}

describe('tracing', () => {
  it('one trace from a tRPC mutation through the mutator, the commit and the fan-out', async () => {
    const { client } = await newClient();
    await client.mutators.addTodo.mutate({
      args: { id: crypto.randomUUID(), text: 'traced', position: 1, createdAt: new Date() },
    });
    const request = only('trpc mutation mutators.addTodo');
    const mutation = only('mutation addTodo');
    const commit = only('commit');
    const fanOut = only('fan-out');
    expect(parentOf(request)).toBeUndefined(); // The root of this trace (no HTTP instrumentation in the test).
    expectChild(mutation, request);
    expectChild(commit, mutation);
    expectChild(fanOut, commit);
    expect(mutation.attributes['sync.version']).toBeTypeOf('number');
  });

  it('a group commit is the child of its first mutation and links the others', async () => {
    const { client } = await newClient();
    // One in flight keeps the batcher busy, so the next ones arrive together and share a commit.
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.mutators.addTodo.mutate({
          args: { id: crypto.randomUUID(), text: `grouped ${i}`, position: i, createdAt: new Date() },
        }),
      ),
    );
    const mutations = spans().filter((span) => span.name === 'mutation addTodo');
    const commits = spans().filter((span) => span.name === 'commit');
    expect(mutations).toHaveLength(6);
    // Every mutation is covered by exactly one commit: as its parent, or through a link.
    for (const mutation of mutations) {
      const { spanId } = mutation.spanContext();
      const covering = commits.filter(
        (commit) =>
          parentOf(commit) === spanId || commit.links.some((link) => link.context.spanId === spanId),
      );
      expect(covering, `commits covering ${spanId}`).toHaveLength(1);
    }
    console.log(`[tracing] 6 concurrent mutations → ${commits.length} commit span(s)`);
  });

  it('an action run from enqueue to finish, in the trace that enqueued it; the trace id stays off the synced row', async () => {
    const { client } = await newClient();
    const todoId = crypto.randomUUID();
    const { runId } = await client.enqueue.addTodos.mutate({
      items: [{ id: todoId, text: 'from a traced run', position: 1 }],
      createdAt: new Date(),
    });
    await expect
      .poll(() => spans().some((span) => span.name === 'action run addTodos'), { timeout: 10_000 })
      .toBe(true);

    const request = only('trpc mutation enqueue.addTodos');
    const enqueue = only('enqueue addTodos');
    const run = only('action run addTodos');
    const action = only('action addTodos');
    expectChild(enqueue, request);
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expectChild(run, enqueue);
    expect(run.kind).toBe(SpanKind.CONSUMER);
    expect(run.attributes['action_run.id']).toBe(runId);
    expect(run.attributes['action_run.outcome']).toBe('succeeded');
    expectChild(action, run);
    expect(descendsFrom(only('mutation addTodo'), action)).toBe(true);

    // The trace context is stored server-only; the synced row (what browsers receive) carries none of it.
    const traceId = run.spanContext().traceId;
    expect(await runTraceParent(runtime.db, runId)).toContain(traceId);
    const [row] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, runId));
    expect(row?.status).toBe('succeeded');
    expect(JSON.stringify(row)).not.toContain(traceId);
  });

  it('a chat turn: the model calls and the tool call as spans, the tool’s mutation inside the tool span', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const token = `traced-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'addTodo', arguments: { text: 'Traced by the copilot' } }] },
      { kind: 'text', chunks: ['Done.'] },
    ]);
    const response = await handleChat(
      chatRequest(
        {
          id: 'chat',
          messages: [userMessage(`${token} add a todo`)],
          trigger: 'submit-message',
          url: 'http://app.test/',
          properties: {},
        },
        await sessionCookie(runtime, user.id),
      ),
      chatDeps(runtime, model.baseUrl),
    );
    await readChat(response);
    await expect
      .poll(() => spans().some((span) => span.name.startsWith('invoke_agent')), { timeout: 10_000 })
      .toBe(true);

    const turn = only(/^invoke_agent/);
    const modelCalls = spans().filter((span) => span.name.startsWith('chat '));
    expect(modelCalls.map((span) => span.name)).toHaveLength(2); // The tool call, then the answer.
    for (const call of modelCalls) expect(descendsFrom(call, turn)).toBe(true);
    const tool = only(/^execute_tool addTodo/);
    expect(descendsFrom(tool, turn)).toBe(true);
    const mutation = only('mutation addTodo');
    expect(descendsFrom(mutation, tool)).toBe(true);
    expect(descendsFrom(only('commit'), mutation)).toBe(true);
  });
});
