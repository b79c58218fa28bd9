/**
 * Issue 12 item 16: a mutator's `list()` returns rows in the same order in the browser and on the server. Random
 * rows (fast-check) with many ties in the first key, ids that differ in one nibble, timestamps that differ only in
 * microseconds on the server: the client's list over the snapshot, in any insertion order, equals the server's.
 */
import { eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientTransaction, stateFromSnapshot, WorkingState } from '@/framework/client/working-state';
import { todos } from '@/db/schema';
import { actionRuns, users } from '@/framework/server/schema';
import type { MutatorTx } from '@/framework/shared/define-mutator';
import { createServerTransaction } from '@/framework/server/runtime/server-transaction';
import { readSnapshot } from './helpers/app-typed';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

/** Few distinct positions (ties), among them the ones JavaScript and PostgreSQL might treat apart. */
const position = fc.oneof(
  fc.constantFrom(0, -0, 1, 1.5, -2, 5e-324, -5e-324, 1e300, -1e300),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** UUIDs from a small alphabet of nibbles, so that many share a long prefix. */
const id = fc
  .array(fc.constantFrom('0', '1', '9', 'a', 'f'), { minLength: 32, maxLength: 32 })
  .map((nibbles) => {
    const hex = nibbles.join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  });
/** A few instants, each possibly shifted by microseconds on the server (a JavaScript Date cannot hold those). */
const instant = fc.record({
  ms: fc.constantFrom(0, 1, 1_700_000_000_000, 1_700_000_000_001, 4_102_444_800_000),
  micros: fc.constantFrom(0, 1, 499, 500, 999),
});

const rowsArbitrary = fc.record({
  todos: fc.uniqueArray(fc.record({ id, position }), { selector: (row) => row.id, maxLength: 15 }),
  runs: fc.uniqueArray(fc.record({ id, createdAt: instant }), { selector: (row) => row.id, maxLength: 15 }),
  /** The order the client's maps receive the rows in (as the feed may deliver them). */
  shuffleSeed: fc.integer(),
});

function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const idsOf = async (tx: MutatorTx) => ({
  todos: (await tx.table('todos').list()).map((row) => row.id),
  actionRuns: (await tx.table('actionRuns').list()).map((row) => row.id),
});

describe('issue 12 item 16: one row order on both sides', () => {
  it('item 16: for random rows, client list() and server list() return the same order', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, async ({ todos: todoRows, runs, shuffleSeed }) => {
        // A user without the welcome todos: only the generated rows.
        const userId = crypto.randomUUID();
        await runtime.db.insert(users).values({ id: userId });
        const now = new Date();
        if (todoRows.length > 0) {
          await runtime.db.insert(todos).values(
            todoRows.map((row) => ({
              id: row.id,
              ownerId: userId,
              text: 'x',
              position: row.position,
              createdAt: now,
              updatedAt: now,
            })),
          );
        }
        for (const run of runs) {
          await runtime.db.insert(actionRuns).values({
            id: run.id,
            ownerId: userId,
            action: 'tidyUp',
            input: {},
            createdAt: new Date(run.createdAt.ms),
          });
          await runtime.db
            .update(actionRuns)
            .set({
              createdAt: sql`${actionRuns.createdAt} + make_interval(secs => ${run.createdAt.micros / 1e6})`,
            })
            .where(eq(actionRuns.id, run.id));
        }
        try {
          const onServer = await runtime.db.transaction((tx) =>
            idsOf(createServerTransaction(runtime.app, tx, userId, async () => {})),
          );
          const snapshot = await readSnapshot(runtime, userId);
          const state = stateFromSnapshot({
            todos: shuffled(snapshot.tables.todos, shuffleSeed),
            actionRuns: shuffled(snapshot.tables.actionRuns, shuffleSeed),
          });
          const inBrowser = await idsOf(
            createClientTransaction(new WorkingState(state), userId, snapshot.layout),
          );
          expect(inBrowser).toEqual(onServer);
          expect(onServer.todos).toHaveLength(todoRows.length);
          expect(onServer.actionRuns).toHaveLength(runs.length);
        } finally {
          // Ids repeat across runs (a small alphabet): each run starts clean.
          await runtime.db.delete(users).where(eq(users.id, userId));
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
