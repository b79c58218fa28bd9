/**
 * Issue 12 item 5: the queue is fenced. Two workers share a run: A claims it, A's heartbeat is blocked so its lease
 * lapses, B takes the run over. From then on every write A makes for the run (heartbeat, progress, its handler's
 * mutations, finish, re-queue) is refused and changes nothing, A's handler is aborted, and B's result stands.
 * On PostgreSQL the workers are two runtimes (as two processes would be); on PGlite two queues on one runtime.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import { todos } from '@/db/schema';
import { actionRuns, syncChanges } from '@/framework/server/schema';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { extendLease, insertRun, LeaseLostError, updateRun } from '@/framework/server/runtime/action-runs';
import type { ActionContext } from '@/framework/server';
import { defineAction } from '@/server/actions/define';
import { type Runtime } from '@/framework/server/runtime/runtime';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';
import { eventually } from './helpers/sync';
import { syncServer } from '@/server/sync';

let runtimeA: Awaited<ReturnType<typeof createTestRuntime>>;
/** The second worker's runtime: its own connections on PostgreSQL, the same runtime on PGlite. */
let runtimeB: Runtime;
beforeAll(async () => {
  runtimeA = await createTestRuntime();
  runtimeB = runtimeA.url
    ? await syncServer.createRuntime(await openDatabase({ postgresUrl: runtimeA.url }))
    : runtimeA;
});
afterAll(async () => {
  if (runtimeB !== runtimeA) await runtimeB.close();
  await runtimeA.close();
});

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** One call of the probe action's handler, held until the test releases it. */
interface Invocation {
  ctx: ActionContext;
  release: (value: { worker: string }) => void;
}

/** An action whose handler calls the test can watch and release, one by one. */
function probeAction() {
  const invocations: Invocation[] = [];
  const arrived: ReturnType<typeof deferred<Invocation>>[] = [deferred(), deferred(), deferred()];
  const action = defineAction({
    description: 'test: held until released',
    input: z.object({}),
    output: z.object({ worker: z.string() }),
    run(ctx) {
      const answer = deferred<{ worker: string }>();
      const invocation = { ctx, release: answer.resolve };
      arrived[invocations.length]?.resolve(invocation);
      invocations.push(invocation);
      // Ignores its signal on purpose: a handler that keeps going after losing its claim must still change nothing.
      return answer.promise;
    },
  });
  return { action, nth: (n: number) => arrived[n]!.promise };
}

async function readRun(id: string) {
  const [row] = await runtimeA.db.select().from(actionRuns).where(eq(actionRuns.id, id));
  return row;
}

async function changesOfRun(id: string) {
  const [row] = await runtimeA.db.select({ n: count() }).from(syncChanges).where(eq(syncChanges.rowId, id));
  return row?.n ?? 0;
}

function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}

describe('issue 12 item 5: the queue is fenced', () => {
  const queues: ActionQueue[] = [];
  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.stop()));
  });

  it('item 5: a worker whose lease lapsed is refused everything and stopped; the new owner’s result stands', async () => {
    const user = await ensureUser(runtimeA, crypto.randomUUID());
    const probe = probeAction();
    const actions = { fencingProbe: probe.action };
    // Worker A: a short lease and a heartbeat that never comes in time (as if its event loop were blocked).
    const queueA = startActionQueue(runtimeA, {
      leaseMs: 300,
      heartbeatMs: 3_600_000,
      concurrency: 1,
      actions,
    });
    queues.push(queueA);
    const run = await insertRun(runtimeA, user.id, 'fencingProbe', {}, 3);
    const a = await probe.nth(0);
    const claimA = { id: run.id, attempts: 1 };
    expect(await readRun(run.id)).toMatchObject({ status: 'running', attempts: 1 });

    // Worker B takes the run over once A's lease lapsed.
    const queueB = startActionQueue(runtimeB, { leaseMs: 10_000, actions });
    queues.push(queueB);
    const b = await probe.nth(1);
    expect(b.ctx.runId).toBe(run.id);
    const owned = await readRun(run.id);
    expect(owned).toMatchObject({ status: 'running', attempts: 2 });

    // A's handler is aborted (it saw the takeover), with the reason saying so.
    expect(await aborted(a.ctx.signal)).toBeInstanceOf(LeaseLostError);
    expect(b.ctx.signal.aborted).toBe(false);

    const changesBefore = await changesOfRun(run.id);
    // A's heartbeat, finish and re-queue, as the queue would write them: all refused.
    expect(await extendLease(runtimeA, claimA, 60_000)).toBe('lost');
    expect(
      await updateRun(
        runtimeA,
        run.id,
        { status: 'succeeded', result: { worker: 'A' }, leaseUntil: null },
        { claim: claimA },
      ),
    ).toBeNull();
    expect(
      await updateRun(
        runtimeA,
        run.id,
        { status: 'queued', error: 'retry', leaseUntil: null, runAfter: new Date() },
        { claim: claimA },
      ),
    ).toBeNull();
    expect(
      await updateRun(runtimeA, run.id, { status: 'failed', error: 'A gave up' }, { claim: claimA }),
    ).toBeNull();
    // A's handler's own writes: progress, a mutation, an atomic group.
    await expect(a.ctx.progress(0.5, 'A still here')).rejects.toBeInstanceOf(LeaseLostError);
    const strayTodo = crypto.randomUUID();
    await expect(
      a.ctx.mutate('addTodo', { id: strayTodo, text: 'from A', position: 1, createdAt: new Date() }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      a.ctx.transaction((group) =>
        group.mutate('addTodo', { id: strayTodo, text: 'from A', position: 1, createdAt: new Date() }),
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);

    // A's handler ignores its signal and returns: the queue must not record A's result either.
    a.release({ worker: 'A' });
    await eventually(() => queueA.active === 0, 'worker A to let go of the run');
    expect(await readRun(run.id)).toEqual(owned);
    expect(await changesOfRun(run.id)).toBe(changesBefore);
    const stray = await runtimeA.db
      .select()
      .from(todos)
      .where(and(eq(todos.id, strayTodo), eq(todos.ownerId, user.id)));
    expect(stray).toEqual([]);

    // B's writes still go through, and its result is the one that stands.
    await b.ctx.progress(0.5, 'B working');
    b.release({ worker: 'B' });
    await eventually(async () => (await readRun(run.id))?.status === 'succeeded', 'B to finish the run');
    expect(await readRun(run.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { worker: 'B' },
      progress: 1,
    });
    await Promise.all([queueA.stop(), queueB.stop()]);
  });

  it('item 5: heartbeats extend the lease without a change-log entry', async () => {
    const user = await ensureUser(runtimeA, crypto.randomUUID());
    const probe = probeAction();
    const queue = startActionQueue(runtimeA, {
      leaseMs: 1_500,
      heartbeatMs: 50,
      actions: { fencingProbe: probe.action },
    });
    queues.push(queue);
    const run = await insertRun(runtimeA, user.id, 'fencingProbe', {}, 3);
    const invocation = await probe.nth(0);
    const afterClaim = await changesOfRun(run.id); // the enqueue and the claim
    expect(afterClaim).toBe(2);
    // Several heartbeats, each moving the lease on.
    const leases = new Set<number>();
    await eventually(async () => {
      const lease = (await readRun(run.id))?.leaseUntil;
      if (lease) leases.add(lease.getTime());
      return leases.size >= 4;
    }, 'the lease to be extended three times');
    expect(await changesOfRun(run.id)).toBe(afterClaim);
    invocation.release({ worker: 'only' });
    await eventually(async () => (await readRun(run.id))?.status === 'succeeded', 'the run to finish');
    expect(await changesOfRun(run.id)).toBe(afterClaim + 1); // the finish
    await queue.stop();
  });

  it('item 5: a worker never takes over a run it is executing itself when its own heartbeat is late', async () => {
    // PGlite has one connection: a heartbeat can wait behind a backlog of commits past its lease. The worker that
    // still runs the handler must not claim the run again (it would run twice, in this very worker).
    const user = await ensureUser(runtimeA, crypto.randomUUID());
    const probe = probeAction();
    const queue = startActionQueue(runtimeA, {
      leaseMs: 300,
      heartbeatMs: 3_600_000,
      concurrency: 2,
      actions: { fencingProbe: probe.action },
    });
    queues.push(queue);
    const first = await insertRun(runtimeA, user.id, 'fencingProbe', {}, 3);
    const a = await probe.nth(0);
    await eventually(async () => {
      const [row] = await runtimeA.db
        .select({ lapsed: sql<boolean>`${actionRuns.leaseUntil} < now()` })
        .from(actionRuns)
        .where(eq(actionRuns.id, first.id));
      return row?.lapsed === true;
    }, 'the first run’s lease to lapse');

    // A new run wakes the worker's claim loop: it must take the new run, not its own lapsed one.
    const second = await insertRun(runtimeA, user.id, 'fencingProbe', {}, 3);
    const b = await probe.nth(1);
    expect(b.ctx.runId).toBe(second.id);
    expect(await readRun(first.id)).toMatchObject({ status: 'running', attempts: 1 });
    a.release({ worker: 'a' });
    b.release({ worker: 'b' });
    await eventually(
      async () => (await readRun(first.id))?.status === 'succeeded',
      'the first run to finish',
    );
    expect(await readRun(first.id)).toMatchObject({ attempts: 1, result: { worker: 'a' } });
  });
});
