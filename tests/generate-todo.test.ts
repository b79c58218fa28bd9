/**
 * Generate-with-AI through the real AI SDK provider code, against the scripted OpenAI-compatible server: the todo
 * fills in as the model streams, a provider failure is retried, and the user's server-only settings are used.
 */
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { providerSettings, todos } from '@/db/schema';
import { actionRuns, syncChanges, syncCommits } from '@/framework/server/schema';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { executeMutation } from '@/framework/server/runtime/executor';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { createTestRuntime } from './helpers/test-database';
import { eventually } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let queue: ActionQueue;
let model: ModelServer;

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['Buy ', 'oat ', 'milk'] });
  // Read by server/env.ts on first use, which is after this.
  process.env.OPENAI_COMPATIBLE_BASE_URL = model.baseUrl;
  runtime = await createTestRuntime();
  queue = startActionQueue(runtime, { leaseMs: 5_000, retryBaseMs: 50 });
});
afterAll(async () => {
  await queue.stop();
  await runtime.close();
  await model.close();
});

async function generate(prompt: string) {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  const id = crypto.randomUUID();
  await executeMutation(runtime, userId, 'addGeneratedTodo', {
    args: { id, prompt, position: 9, createdAt: new Date() },
  });
  return { userId, id };
}

async function waitForRun(todoId: string, status: 'succeeded' | 'failed') {
  let run: typeof actionRuns.$inferSelect | undefined;
  await eventually(async () => {
    const rows = await runtime.db.select().from(actionRuns).where(eq(actionRuns.action, 'generateTodo'));
    run = rows.find((row) => (row.input as { todoId: string }).todoId === todoId);
    return run?.status === status;
  }, `generateTodo run to be ${status}`);
  return run;
}

describe('generateTodo', () => {
  it('streams the model text into the todo, then marks it ready', async () => {
    model.enqueue({ kind: 'text', chunks: ['Water ', 'the ', 'plants ', 'on ', 'Sunday'], delayMs: 60 });
    const { userId, id } = await generate('something about plants');
    const seen: string[] = [];
    await eventually(async () => {
      const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
      if (todo && seen.at(-1) !== todo.text) seen.push(todo.text);
      return todo?.status === 'ready';
    }, 'the todo to be ready');
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    expect(todo).toMatchObject({ text: 'Water the plants on Sunday', status: 'ready', ownerId: userId });
    // Partial text was visible before the end: it filled in, not appeared at once.
    expect(seen.some((text) => text.length > 0 && text !== 'Water the plants on Sunday')).toBe(true);
    const run = await waitForRun(id, 'succeeded');
    expect(run?.result).toEqual({ text: 'Water the plants on Sunday' });
    // The prompt reached the model as the user message.
    expect(JSON.stringify(model.requests().at(-1)?.body)).toContain('something about plants');
  });

  it('item 6: partial text is committed at most every 250 ms, and the final text always', async () => {
    const words = Array.from({ length: 16 }, (_, i) => `w${i} `);
    model.enqueue({ kind: 'text', chunks: words, delayMs: 40 }); // ≈ 640 ms of streaming
    const { userId, id } = await generate('many small chunks');
    await waitForRun(id, 'succeeded');
    const writes = await runtime.db
      .select({ at: syncCommits.committedAt })
      .from(syncCommits)
      .where(and(eq(syncCommits.userId, userId), eq(syncCommits.mutator, 'writeGeneratedText')))
      .orderBy(asc(syncCommits.version));
    // A few partial commits, not one per chunk; the last write is the final text.
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.length).toBeLessThanOrEqual(5);
    const partials = writes.slice(0, -1);
    for (let i = 1; i < partials.length; i++)
      expect(partials[i]!.at.getTime() - partials[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(240);
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    expect(todo).toMatchObject({ text: words.join('').trim(), status: 'ready' });
  });

  it('retries after the provider fails mid-stream, and succeeds', async () => {
    model.enqueue({ kind: 'fail-after', chunks: ['Half a '] }, { kind: 'text', chunks: ['Call ', 'mum'] });
    const { id } = await generate('family');
    const run = await waitForRun(id, 'succeeded');
    expect(run?.attempts).toBe(2);
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    expect(todo).toMatchObject({ text: 'Call mum', status: 'ready' });
  });

  it('item 3: gives up after its attempts with our own reason; a provider error quoting the key stays in the log', async () => {
    const key = `sk-quoted-${crypto.randomUUID()}`;
    const quoting = {
      kind: 'http-error' as const,
      status: 401,
      message: `Incorrect API key provided: ${key}`,
    };
    model.enqueue(quoting, quoting);
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const { userId, id } = await generate('anything');
      const run = await waitForRun(id, 'failed');
      expect(run?.attempts).toBe(2);
      const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
      expect(todo?.status).toBe('failed');
      expect(todo?.text).toBe(
        'Generation failed: the model provider answered HTTP 401 (details in the server log)',
      );
      // Nothing synced repeats the provider's words: not the todo, not the run, not the change log.
      const changes = await runtime.db.select().from(syncChanges).where(eq(syncChanges.ownerId, userId));
      expect(JSON.stringify([todo, run, changes])).not.toContain(key);
      // The operator still sees what the provider said.
      expect(
        logged.some((args) =>
          args.some((arg) => String(arg).includes(key) || JSON.stringify(arg)?.includes(key)),
        ),
      ).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('streams a draft straight to the caller (a tRPC streaming response, nothing stored)', async () => {
    model.enqueue({ kind: 'text', chunks: ['Fix ', 'the ', 'bike'] });
    const user = await ensureUser(runtime, crypto.randomUUID());
    const caller = createCaller(createInnerContext({ runtime, user }));
    const drafts: { text: string; done: boolean }[] = [];
    for await (const draft of await caller.streams.draftTodo({ prompt: 'bike' })) drafts.push(draft);
    expect(drafts.map((draft) => draft.text)).toEqual(['Fix ', 'Fix the ', 'Fix the bike', 'Fix the bike']);
    expect(drafts.at(-1)?.done).toBe(true);
    const rows = await runtime.db.select().from(todos).where(eq(todos.ownerId, user.id));
    expect(rows.some((row) => row.text.includes('bike'))).toBe(false);
  });

  it("uses the user's server-only model settings", async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    await runtime.db
      .insert(providerSettings)
      .values({ userId, model: 'my-own-model', systemPrompt: 'Be terse.' });
    const id = crypto.randomUUID();
    await executeMutation(runtime, userId, 'addGeneratedTodo', {
      args: { id, prompt: 'x', position: 1, createdAt: new Date() },
    });
    await waitForRun(id, 'succeeded');
    const request = JSON.stringify(model.requests().at(-1)?.body);
    expect(request).toContain('my-own-model');
    expect(request).toContain('Be terse.');
  });
});
