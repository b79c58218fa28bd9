/**
 * Without any model configured, generate-with-AI fails at once with a message that says what to set, visible in
 * the todo itself — it never hangs and is not retried.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { actionRuns } from '@/framework/server/schema';
import { NOT_CONFIGURED_MESSAGE } from '@/server/ai/model';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { executeMutation } from '@/framework/server/runtime/executor';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';
import { eventually } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let queue: ActionQueue;
beforeAll(async () => {
  for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OPENAI_COMPATIBLE_BASE_URL', 'AI_PROVIDER']) {
    delete process.env[name];
  }
  runtime = await createTestRuntime();
  queue = startActionQueue(runtime, { leaseMs: 5_000, retryBaseMs: 50 });
});
afterAll(async () => {
  await queue.stop();
  await runtime.close();
});

it('fails with a clear, user-visible message naming what to configure', async () => {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  const id = crypto.randomUUID();
  await executeMutation(runtime, userId, 'addGeneratedTodo', {
    args: { id, prompt: 'x', position: 1, createdAt: new Date() },
  });
  await eventually(async () => {
    const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    return todo?.status === 'failed';
  }, 'the todo to show the failure');
  const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
  expect(todo?.text).toBe(NOT_CONFIGURED_MESSAGE);
  expect(NOT_CONFIGURED_MESSAGE).toMatch(/OPENAI_API_KEY.*ANTHROPIC_API_KEY.*OPENAI_COMPATIBLE_BASE_URL/);
  await eventually(async () => {
    const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.ownerId, userId));
    return run?.status === 'failed' && run.attempts === 1;
  }, 'the run to fail without retries');
});
