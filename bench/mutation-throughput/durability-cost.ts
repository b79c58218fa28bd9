/**
 * What durability costs per commit on PGlite (issue 12 item 1): the same commits on one folder opened `durable`
 * (the default: fsync of the WAL before each answer, framework/server/db/pglite-durable-fs.ts) and `relaxed` (PGLITE_DURABILITY=
 * relaxed: no flush), in-process with no HTTP so that the difference is the flush and nothing else.
 *
 * Three arms, each a fixed number of commits: a bare insert (autocommit, one flush each), addTodo through the
 * executor from one writer (one transaction each), and addTodo from 8 concurrent writers (group commit: one flush
 * per batch, so its per-commit cost shows how much batching hides).
 */
import { openDatabase, type PgliteDurability } from '@/framework/server';
import { todos } from '@/db/schema';
import { executeMutation } from '@/framework/server';
import { type Runtime } from '@/framework/server';
import { ensureUser } from '@/framework/server';
import type { BenchDatabase } from '../support/databases';
import { syncServer } from '@/server/sync';

export const DURABILITY_ARMS = ['bare insert', 'addTodo, 1 writer', 'addTodo, 8 writers'] as const;
export type DurabilityArm = (typeof DURABILITY_ARMS)[number];

/** Milliseconds of wall time per commit, per arm. */
export type PerCommitMs = Record<DurabilityArm, number>;

const WRITERS = 8;

const newTodo = (seq: number) => ({
  id: crypto.randomUUID(),
  text: `durability ${seq}`,
  position: seq,
  createdAt: new Date(),
});

async function timePerCommit(commits: number, run: (seq: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let seq = 0; seq < commits; seq++) await run(seq);
  return (performance.now() - started) / commits;
}

async function measureArms(runtime: Runtime, commits: number): Promise<PerCommitMs> {
  const userId = crypto.randomUUID();
  await ensureUser(runtime, userId);
  const bareInsert = await timePerCommit(commits, (seq) =>
    runtime.db.insert(todos).values({
      ...newTodo(seq),
      ownerId: userId,
      completed: false,
      updatedAt: new Date(),
    }),
  );
  const oneWriter = await timePerCommit(commits, (seq) =>
    executeMutation(runtime, userId, 'addTodo', { args: newTodo(seq) }),
  );
  const started = performance.now();
  const perWriter = Math.ceil(commits / WRITERS);
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let seq = 0; seq < perWriter; seq++) {
        await executeMutation(runtime, userId, 'addTodo', { args: newTodo(writer * perWriter + seq) });
      }
    }),
  );
  const eightWriters = (performance.now() - started) / (perWriter * WRITERS);
  return { 'bare insert': bareInsert, 'addTodo, 1 writer': oneWriter, 'addTodo, 8 writers': eightWriters };
}

async function measureWith(folder: string, durability: PgliteDurability, commits: number) {
  const runtime = await syncServer.createRuntime(await openDatabase({ pgliteDir: folder, durability }));
  try {
    await measureArms(runtime, Math.min(20, commits)); // warm-up: caches, prepared plans
    return await measureArms(runtime, commits);
  } finally {
    await runtime.feed.refresh().catch(() => undefined);
    await runtime.close();
  }
}

/**
 * Measures every arm `rounds` times on each durability, alternating durable and relaxed on the same folder so that
 * table growth favours neither; returns the median ms per commit of each.
 */
export async function measureDurabilityCost(
  database: BenchDatabase,
  options: { commits: number; rounds: number },
): Promise<{ durable: PerCommitMs[]; relaxed: PerCommitMs[] }> {
  if (!('pgliteDir' in database.config)) throw new Error('durability cost is a PGlite figure');
  const durable: PerCommitMs[] = [];
  const relaxed: PerCommitMs[] = [];
  for (let round = 0; round < options.rounds; round++) {
    durable.push(await measureWith(database.config.pgliteDir, 'durable', options.commits));
    relaxed.push(await measureWith(database.config.pgliteDir, 'relaxed', options.commits));
  }
  return { durable, relaxed };
}
