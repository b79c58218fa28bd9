/**
 * Group commit: mutations that arrive together share one transaction (one BEGIN/COMMIT, one log append), each still
 * with its own version, commit and mutation id; a failure inside a batch ends exactly as it would alone.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { clientMutations, syncCommits } from '@/framework/server/schema';
import { executeMutation } from '@/framework/server/runtime/executor';
import { createBatcher } from '@/framework/server/runtime/group-commit';
import { createTestRuntime } from './helpers/test-database';
import { newClient } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
/** Transactions opened on the runtime's database since the last reset. */
let transactions = 0;
beforeAll(async () => {
  runtime = await createTestRuntime();
  const open = runtime.db.transaction.bind(runtime.db);
  runtime.db.transaction = ((...args: Parameters<typeof open>) => {
    transactions++;
    return open(...args);
  }) as typeof runtime.db.transaction;
});
afterAll(() => runtime.close());

const addArgs = (text: string) => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });

async function todoCount(userId: string) {
  const [row] = await runtime.db.select({ n: count() }).from(todos).where(eq(todos.ownerId, userId));
  return row?.n ?? 0;
}

async function commitsOf(clientId: string) {
  return runtime.db.select().from(syncCommits).where(eq(syncCommits.clientId, clientId));
}

describe('group commit', () => {
  it('runs mutations sent together in fewer transactions, each with its own version and mutation id', async () => {
    const { userId } = await newClient(runtime);
    const before = await todoCount(userId);
    transactions = 0;
    // 8 tabs sending ids 1 and 2 back to back, and 4 scripts without ids: 20 mutations at once.
    const calls = [
      ...Array.from({ length: 8 }, (_, tab) =>
        [1, 2].map((mutationId) =>
          executeMutation(runtime, userId, 'addTodo', {
            args: addArgs(`tab ${tab} #${mutationId}`),
            clientId: `batch-tab-${tab}`,
            mutationId,
          }),
        ),
      ).flat(),
      ...Array.from({ length: 4 }, (_, script) =>
        executeMutation(runtime, userId, 'addTodo', { args: addArgs(`script ${script}`) }),
      ),
    ];
    const results = await Promise.all(calls);
    expect(transactions).toBeLessThan(calls.length);
    expect(results.every((result) => !result.duplicate)).toBe(true);
    const versions = results.map((result) => result.version ?? Number.NaN).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(calls.length);
    expect(versions.at(-1)! - versions[0]!).toBe(calls.length - 1); // consecutive: nothing else committed
    expect(await todoCount(userId)).toBe(before + calls.length);
    for (let tab = 0; tab < 8; tab++) {
      const commits = await commitsOf(`batch-tab-${tab}`);
      expect(commits.map((commit) => commit.mutationId).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2]);
      const [client] = await runtime.db
        .select()
        .from(clientMutations)
        .where(eq(clientMutations.clientId, `batch-tab-${tab}`));
      expect(client).toMatchObject({ lastMutationId: 2, lastError: null });
    }
    // The feed of this process has every one of them, at its version.
    const batch = await runtime.feed.read(userId, versions[0]! - 1);
    expect(batch.commits.map((commit) => commit.version)).toEqual(versions);
  });

  it('lets one failing mutation fail alone: the others commit, its id is consumed, nothing of it is written', async () => {
    const { userId } = await newClient(runtime);
    const before = await todoCount(userId);
    const taken = addArgs('taken');
    await executeMutation(runtime, userId, 'addTodo', { args: taken });
    const results = await Promise.allSettled([
      ...[1, 2, 3].map((n) => executeMutation(runtime, userId, 'addTodo', { args: addArgs(`fine ${n}`) })),
      executeMutation(runtime, userId, 'setTodoText', {
        args: { id: crypto.randomUUID(), text: 'no such todo', updatedAt: new Date() },
        clientId: 'batch-failing',
        mutationId: 1,
      }),
      executeMutation(runtime, userId, 'addTodo', { args: { ...taken, text: 'again' } }),
      ...[4, 5].map((n) => executeMutation(runtime, userId, 'addTodo', { args: addArgs(`fine ${n}`) })),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(results[3]).toMatchObject({ reason: { code: 'NOT_FOUND' } });
    expect(results[4]).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(await todoCount(userId)).toBe(before + 1 + 5);
    const [failure] = await commitsOf('batch-failing');
    expect(failure?.error).toMatchObject({ code: 'NOT_FOUND' });
    const [stored] = await runtime.db.select().from(todos).where(eq(todos.id, taken.id));
    expect(stored?.text).toBe('taken');
  });

  it('answers a duplicate and a skipped id inside a batch as it would alone', async () => {
    const { userId } = await newClient(runtime);
    const first = { args: addArgs('first'), clientId: 'batch-dup', mutationId: 1 };
    const results = await Promise.allSettled([
      executeMutation(runtime, userId, 'addTodo', first),
      executeMutation(runtime, userId, 'addTodo', first),
      executeMutation(runtime, userId, 'addTodo', {
        args: addArgs('skips'),
        clientId: 'batch-dup',
        mutationId: 3,
      }),
      executeMutation(runtime, userId, 'addTodo', { args: addArgs('other') }),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { duplicate: true, version: null } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    expect(results[3]).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    const [client] = await runtime.db
      .select()
      .from(clientMutations)
      .where(eq(clientMutations.clientId, 'batch-dup'));
    expect(client?.lastMutationId).toBe(1);
    expect((await commitsOf('batch-dup')).map((commit) => commit.mutationId)).toEqual([1]);
  });
});

describe('createBatcher', () => {
  it('starts a lone job at once, batches what arrives meanwhile (at most maxBatch), and settles each job alone', async () => {
    const batches: number[][] = [];
    let release = () => {};
    const batcher = createBatcher<number, number>(async (jobs) => {
      batches.push(jobs);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return jobs.map((job) =>
        job < 0
          ? { status: 'rejected', reason: new Error(`job ${job}`) }
          : { status: 'fulfilled', value: job * 10 },
      );
    }, 3);
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    // While the first batch runs: five more, one of them failing.
    const more = [2, -3, 4, 5, 6].map((job) => batcher.submit(job));
    release();
    const settled = await Promise.allSettled([first, ...more]);
    expect(batches).toEqual([[1], [2, -3, 4], [5, 6]]);
    expect(settled.map((result) => (result.status === 'fulfilled' ? result.value : 'failed'))).toEqual([
      10,
      20,
      'failed',
      40,
      50,
      60,
    ]);
  });
});
