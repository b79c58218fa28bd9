/**
 * Actions of every kind through their tRPC procedures, the durable queue, and enqueueAction from a mutator.
 */
import { count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { actionRuns, syncChanges, syncCommits } from '@/framework/server/schema';
import { runActionDefinition } from '@/framework/server/runtime/action-executor';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { defineAction } from '@/server/actions/define';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { readSnapshot } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';
import { eventually } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let queue: ActionQueue;
beforeAll(async () => {
  runtime = await createTestRuntime();
  queue = startActionQueue(runtime, { leaseMs: 5_000, retryBaseMs: 50 });
});
afterAll(async () => {
  await queue.stop();
  await runtime.close();
});

async function newCaller() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { user, caller: createCaller(createInnerContext({ runtime, user })) };
}

async function logCounts() {
  const [commits] = await runtime.db.select({ n: count() }).from(syncCommits);
  const [changes] = await runtime.db.select({ n: count() }).from(syncChanges);
  const [rows] = await runtime.db.select({ n: count() }).from(todos);
  return { commits: commits?.n, changes: changes?.n, todos: rows?.n };
}

describe('actions', () => {
  it('synchronous: the caller awaits a typed result', async () => {
    const { caller } = await newCaller();
    const summary = await caller.actions.summarizeTodos({});
    expect(summary).toEqual({ total: 4, done: 1, open: 3, oldestOpen: expect.any(String) });
  });

  it('asynchronous: enqueue returns a run id at once; the run reports progress and succeeds', async () => {
    const { user, caller } = await newCaller();
    const { runId } = await caller.enqueue.tidyUp({ delayMsPerTodo: 20 });
    const progress = new Set<number>();
    await eventually(async () => {
      const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, runId));
      if (run?.progress != null) progress.add(run.progress);
      return run?.status === 'succeeded';
    }, 'the run to succeed');
    const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, runId));
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1, progress: 1, ownerId: user.id });
    expect(run?.result).toEqual({ renumbered: expect.any(Number) });
    expect(progress.size).toBeGreaterThan(1); // it moved through intermediate values
    // The run is a synced row: the user's snapshot (and feed) carry it.
    const snapshot = await readSnapshot(runtime, user.id);
    expect(snapshot.tables.actionRuns.map((r) => r.id)).toContain(runId);
  });

  it('asynchronous: a queued run can be cancelled', async () => {
    const { caller } = await newCaller();
    const { runId } = await caller.enqueue.tidyUp({ delayMsPerTodo: 1_000 });
    const cancelled = await caller.runs.cancel({ id: runId });
    expect(['cancelled', 'cancelling']).toContain(cancelled.status);
    await eventually(async () => {
      const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, runId));
      return run?.status === 'cancelled';
    }, 'the run to be cancelled');
  });

  it('asynchronous: a running run stops as soon as it is cancelled', async () => {
    const { caller } = await newCaller();
    const { runId } = await caller.enqueue.tidyUp({ delayMsPerTodo: 2_000 });
    await eventually(async () => {
      const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, runId));
      return run?.status === 'running';
    }, 'the run to start');
    const requested = Date.now();
    expect(await caller.runs.cancel({ id: runId })).toEqual({ status: 'cancelling' });
    await eventually(async () => {
      const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, runId));
      return run?.status === 'cancelled';
    }, 'the running run to be cancelled');
    // Far sooner than the heartbeat (leaseMs / 3) or the handler's own 2 s step.
    expect(Date.now() - requested).toBeLessThan(1_000);
  });

  it('batch: one call, a result per item, a bad item does not stop the others', async () => {
    const { caller } = await newCaller();
    const [good1, good2] = [crypto.randomUUID(), crypto.randomUUID()];
    const { results } = await caller.actions.addTodos({
      items: [
        { id: good1, text: 'one', position: 10 },
        { id: crypto.randomUUID(), text: '   ', position: 11 },
        { id: good2, text: 'two', position: 12 },
      ],
      createdAt: new Date(),
    });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, error: expect.stringMatching(/./) });
  });

  it('transactional: succeeds as one commit', async () => {
    const { user, caller } = await newCaller();
    const before = await logCounts();
    const { archived } = await caller.actions.startFresh({ summaryId: crypto.randomUUID(), at: new Date() });
    expect(archived).toBe(1);
    const after = await logCounts();
    expect(after.commits).toBe((before.commits ?? 0) + 1);
    const rows = (await readSnapshot(runtime, user.id)).tables.todos;
    expect(rows.some((row) => row.text.startsWith('Done: '))).toBe(true);
    expect(rows.some((row) => row.completed)).toBe(false);
  });

  it.each([1, 2, 3])(
    'transactional: a failure at step %i leaves no trace of the earlier steps',
    async (failAt) => {
      const { user } = await newCaller();
      const start = await readSnapshot(runtime, user.id);
      const before = await logCounts();
      const threeSteps = defineAction({
        description: 'test: three steps, failing at one',
        input: z.object({}),
        output: z.object({}),
        async run(ctx) {
          return ctx.transaction(async (group) => {
            const [first, second] = start.tables.todos;
            if (!first || !second) throw new Error('expected seeded todos');
            const step = async (n: number, work: () => Promise<void>) => {
              await work();
              if (n === failAt) throw new Error(`step ${n} failed`);
            };
            await step(1, () =>
              group.mutate('setTodoText', { id: first.id, text: 'step 1', updatedAt: new Date() }),
            );
            await step(2, () => group.mutate('deleteTodo', { id: second.id }));
            await step(3, () =>
              group.mutate('addTodo', {
                id: crypto.randomUUID(),
                text: 'step 3',
                position: 9,
                createdAt: new Date(),
              }),
            );
            return {};
          });
        },
      });
      await expect(
        runActionDefinition(
          runtime,
          'threeSteps',
          threeSteps,
          {},
          { userId: user.id, signal: new AbortController().signal },
        ),
      ).rejects.toMatchObject({
        code: 'INTERNAL_SERVER_ERROR',
        cause: expect.objectContaining({ message: `step ${failAt} failed` }),
      });
      expect(await logCounts()).toEqual(before);
      expect((await readSnapshot(runtime, user.id)).tables.todos).toEqual(start.tables.todos);
    },
  );

  it('bad input: 400 naming the field, nothing written; bad output: a clear 500, nothing returned', async () => {
    const { user, caller } = await newCaller();
    const before = await logCounts();
    await expect(caller.actions.addTodos({ items: [], createdAt: new Date() })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const liar = defineAction({
      description: 'test: returns the wrong shape',
      input: z.object({}),
      output: z.object({ count: z.number() }),
      async run() {
        return { count: 'three' } as unknown as { count: number };
      },
    });
    await expect(
      runActionDefinition(
        runtime,
        'liar',
        liar,
        {},
        { userId: user.id, signal: new AbortController().signal },
      ),
    ).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Action liar returned an invalid result',
    });
    expect(await logCounts()).toEqual(before);
  });

  it('enqueueAction from a mutator commits the run with the mutation, or not at all', async () => {
    const { user, caller } = await newCaller();
    const id = crypto.randomUUID();
    const runsBefore = await runtime.db.select().from(actionRuns).where(eq(actionRuns.ownerId, user.id));
    await caller.mutators.addGeneratedTodo({
      args: { id, prompt: 'tea', position: 5, createdAt: new Date() },
    });
    // Same id again: the mutator refuses (CONFLICT), and its enqueue rolls back with it.
    await expect(
      caller.mutators.addGeneratedTodo({ args: { id, prompt: 'tea', position: 5, createdAt: new Date() } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const runs = await runtime.db.select().from(actionRuns).where(eq(actionRuns.ownerId, user.id));
    expect(runs.length - runsBefore.length).toBe(1);
    expect(runs.find((run) => run.action === 'generateTodo')?.input).toEqual({ todoId: id, prompt: 'tea' });
  });
});
