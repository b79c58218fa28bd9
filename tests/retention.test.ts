/**
 * Issue 12 item 6: nothing grew bounded. Retention compacts the change log past its window (a prefix, in batches),
 * forgets idle client ids, prunes finished runs, and one process at a time does it; a subscriber whose cursor was
 * compacted away gets a reset and a fresh snapshot; the snapshot carries only recent finished runs.
 */
import { and, asc, count, eq, inArray, lte, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { actionRuns, clientMutations, syncChanges, syncCommits } from '@/framework/server/schema';
import { insertRun } from '@/framework/server/runtime/action-runs';
import { openDatabase } from '@/framework/server/db/open';
import { currentVersion, logFloor, LogCompactedError } from '@/framework/server/runtime/change-log';
import { executeMutation } from '@/framework/server/runtime/executor';
import {
  DEFAULT_RETENTION,
  RETENTION_LOCK,
  runRetentionPass,
  type RetentionOptions,
} from '@/framework/server/runtime/retention';
import { readSnapshot, SNAPSHOT_FINISHED_RUNS } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { createTestRuntime } from './helpers/test-database';
import { directTransport, eventually, gatedTransport, newClient, pumpFeed } from './helpers/sync';
import { syncServer } from '@/server/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

/** Windows that keep everything, unless a test narrows one. */
const KEEP_ALL: RetentionOptions = {
  ...DEFAULT_RETENTION,
  logKeepVersions: 1_000_000,
  logMaxAgeMs: 1_000 * DEFAULT_RETENTION.logMaxAgeMs,
  clientIdleMs: 1_000 * DEFAULT_RETENTION.clientIdleMs,
  finishedRunsMs: 1_000 * DEFAULT_RETENTION.finishedRunsMs,
};

async function addTodos(userId: string, n: number, clientId?: string, firstMutationId = 1) {
  for (let i = 0; i < n; i++) {
    await executeMutation(runtime, userId, 'addTodo', {
      args: { id: crypto.randomUUID(), text: `todo ${i}`, position: 100 + i, createdAt: new Date() },
      ...(clientId ? { clientId, mutationId: firstMutationId + i } : {}),
    });
  }
}

async function versionsIn(table: typeof syncCommits | typeof syncChanges) {
  const rows = await runtime.db
    .selectDistinct({ version: table.version })
    .from(table)
    .orderBy(asc(table.version));
  return rows.map((row) => row.version);
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

describe('issue 12 item 6: retention keeps storage bounded', () => {
  it('item 6: compaction deletes the log past the version window, in batches, and nothing newer', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    await addTodos(user.id, 30);
    const head = await currentVersion(runtime.db);
    const changesBefore = (await versionsIn(syncChanges)).filter((version) => version > head - 10);
    const report = await runRetentionPass(runtime, { ...KEEP_ALL, logKeepVersions: 10, batchSize: 7 });
    expect(report).toMatchObject({ skipped: false, compactedThrough: head - 10 });
    expect(report.logCommits).toBe(head - 10);
    expect(await versionsIn(syncCommits)).toEqual(Array.from({ length: 10 }, (_, i) => head - 9 + i));
    expect(await versionsIn(syncChanges)).toEqual(changesBefore);
    expect(await logFloor(runtime.db)).toBe(head - 10);
    // Nothing is past the window now: a second pass deletes nothing.
    expect((await runRetentionPass(runtime, { ...KEEP_ALL, logKeepVersions: 10 })).logCommits).toBe(0);
  });

  it('item 6: compaction by age deletes only the old prefix of the log', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    await addTodos(user.id, 6);
    const head = await currentVersion(runtime.db);
    const floor = await logFloor(runtime.db);
    // Everything up to head - 3 is two days old, and so is head - 1 (after a newer one: it stays, the log is a prefix).
    await runtime.db
      .update(syncCommits)
      .set({ committedAt: hoursAgo(48) })
      .where(sql`${syncCommits.version} <= ${head - 3} or ${syncCommits.version} = ${head - 1}`);
    const report = await runRetentionPass(runtime, { ...KEEP_ALL, logMaxAgeMs: 24 * 3_600_000 });
    expect(report.logCommits).toBe(head - 3 - floor);
    expect(await versionsIn(syncCommits)).toEqual([head - 2, head - 1, head]);
  });

  it('item 6: a subscriber whose cursor was compacted away gets a reset and a fresh snapshot, and ends right', async () => {
    let gate!: ReturnType<typeof gatedTransport>;
    const { userId, store } = await newClient(runtime, (id) => {
      gate = gatedTransport(directTransport(runtime, id));
      return gate.transport;
    });
    const staleCursor = store.version;
    // Meanwhile, from elsewhere: two todos added, one of the seeded ones deleted.
    await addTodos(userId, 2);
    const [seeded] = await runtime.db.select().from(todos).where(eq(todos.ownerId, userId)).limit(1);
    await executeMutation(runtime, userId, 'deleteTodo', { args: { id: seeded!.id } });
    // A mutation of this tab that is still on its way: it must stay visible across the reset.
    const pendingId = crypto.randomUUID();
    const pending = store.mutate('addTodo', {
      id: pendingId,
      text: 'pending',
      position: 1,
      createdAt: new Date(),
    });
    await eventually(() => store.pendingCount === 1, 'the optimistic mutation');
    await runRetentionPass(runtime, { ...KEEP_ALL, logKeepVersions: 1 });
    expect(await logFloor(runtime.db)).toBeGreaterThan(staleCursor);

    const feed = pumpFeed(runtime, store, staleCursor);
    await eventually(() => feed.messages.length > 0, 'the first message');
    expect(feed.messages[0]?.type).toBe('reset');
    const server = await readSnapshot(runtime, userId);
    await eventually(() => store.version >= server.version, 'the store to take the snapshot');
    const ids = (rows: { id: string }[]) => rows.map((row) => row.id).sort();
    expect(ids(store.rows('todos'))).toEqual(ids([...server.tables.todos, { id: pendingId }]));
    // The pending mutation goes through afterwards and is confirmed by a normal `changes` message.
    await gate.releaseNext();
    expect(await pending.settled).toEqual({ ok: true });
    await eventually(() => store.pendingCount === 0, 'the confirmation');
    expect(feed.messages.at(-1)?.type).toBe('changes');
    expect(ids(store.rows('todos'))).toEqual(ids((await readSnapshot(runtime, userId)).tables.todos));
    await feed.stop();
  });

  it('item 6: idle client ids are forgotten; one that comes back is refused without consuming anything', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const [idle, active] = ['tab-idle', 'tab-active'];
    await addTodos(user.id, 3, idle);
    await addTodos(user.id, 1, active);
    await runtime.db
      .update(clientMutations)
      .set({ updatedAt: hoursAgo(31 * 24) })
      .where(and(eq(clientMutations.userId, user.id), eq(clientMutations.clientId, idle)));
    expect((await readSnapshot(runtime, user.id, idle)).client).toEqual({ id: idle, lastMutationId: 3 });

    const report = await runRetentionPass(runtime, { ...KEEP_ALL, clientIdleMs: 30 * 24 * 3_600_000 });
    expect(report.clients).toBe(1);
    const left = await runtime.db
      .select({ clientId: clientMutations.clientId })
      .from(clientMutations)
      .where(eq(clientMutations.userId, user.id));
    expect(left).toEqual([{ clientId: active }]);
    // The forgotten tab's next mutation (4) is refused as out of order, naming why; nothing is written.
    const before = await runtime.db.select({ n: count() }).from(syncCommits);
    const id = crypto.randomUUID();
    await expect(
      executeMutation(runtime, user.id, 'addTodo', {
        args: { id, text: 'late', position: 1, createdAt: new Date() },
        clientId: idle,
        mutationId: 4,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/expected 1 .*unknown/) });
    expect(await runtime.db.select({ n: count() }).from(syncCommits)).toEqual(before);
    expect(await runtime.db.select().from(todos).where(eq(todos.id, id))).toEqual([]);
    expect((await readSnapshot(runtime, user.id, idle)).client).toEqual({ id: idle, lastMutationId: 0 });
    // Starting over (from 1) works; the active client was untouched.
    await addTodos(user.id, 1, idle);
    await addTodos(user.id, 1, active, 2);
  });

  it('item 6: finished runs are pruned after their window; unfinished and recent ones stay', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const runs = await Promise.all(
      ['succeeded', 'failed', 'cancelled', 'queued', 'running', 'succeeded'].map(async (status, index) => {
        const run = await insertRun(runtime, user.id, 'tidyUp', {}, 3);
        const old = index < 5; // the last one finished recently
        await runtime.db
          .update(actionRuns)
          .set({
            status: status as 'queued',
            updatedAt: old ? hoursAgo(8 * 24) : new Date(),
            runAfter: hoursAgo(-24),
          })
          .where(eq(actionRuns.id, run.id));
        return run.id;
      }),
    );
    const report = await runRetentionPass(runtime, { ...KEEP_ALL, finishedRunsMs: 7 * 24 * 3_600_000 });
    expect(report.runs).toBe(3);
    const left = await runtime.db
      .select({ id: actionRuns.id })
      .from(actionRuns)
      .where(inArray(actionRuns.id, runs));
    expect(left.map((row) => row.id).sort()).toEqual(runs.slice(3).sort());
  });

  it('item 6: the snapshot carries every unfinished run and only the latest finished ones', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    const finished: string[] = [];
    for (let i = 0; i < SNAPSHOT_FINISHED_RUNS + 10; i++) {
      const run = await insertRun(runtime, user.id, 'tidyUp', {}, 3);
      finished.push(run.id);
    }
    // Finished, with creation times one second apart (oldest first).
    for (const [index, id] of finished.entries())
      await runtime.db
        .update(actionRuns)
        .set({ status: 'succeeded', createdAt: new Date(Date.now() - (finished.length - index) * 1_000) })
        .where(eq(actionRuns.id, id));
    const waiting = await insertRun(runtime, user.id, 'tidyUp', {}, 3);
    await runtime.db
      .update(actionRuns)
      .set({ createdAt: hoursAgo(24 * 365), runAfter: hoursAgo(-24) }) // very old, never due here
      .where(eq(actionRuns.id, waiting.id));
    const snapshot = await readSnapshot(runtime, user.id);
    expect(snapshot.tables.actionRuns.map((run) => run.id)).toEqual([
      waiting.id,
      ...finished.slice(-SNAPSHOT_FINISHED_RUNS),
    ]);
  });

  it('item 6: a run left out of the snapshot is still readable by id, by its owner only (runs.byId)', async () => {
    const owner = await ensureUser(runtime, crypto.randomUUID());
    const stranger = await ensureUser(runtime, crypto.randomUUID());
    const old = await insertRun(runtime, owner.id, 'tidyUp', {}, 3);
    await runtime.db
      .update(actionRuns)
      .set({ status: 'succeeded', createdAt: hoursAgo(1) })
      .where(eq(actionRuns.id, old.id));
    for (let i = 0; i < SNAPSHOT_FINISHED_RUNS; i++) {
      const run = await insertRun(runtime, owner.id, 'tidyUp', {}, 3);
      await runtime.db.update(actionRuns).set({ status: 'succeeded' }).where(eq(actionRuns.id, run.id));
    }
    const snapshot = await readSnapshot(runtime, owner.id);
    expect(snapshot.tables.actionRuns.some((run) => run.id === old.id)).toBe(false);

    const asOwner = createCaller(createInnerContext({ runtime, user: owner }));
    expect(await asOwner.runs.byId({ id: old.id })).toMatchObject({ id: old.id, status: 'succeeded' });
    const asStranger = createCaller(createInnerContext({ runtime, user: stranger }));
    await expect(asStranger.runs.byId({ id: old.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asOwner.runs.byId({ id: crypto.randomUUID() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'item 6: a feed reading the log behind its memory refuses a cursor below the floor (PostgreSQL, second process)',
    async () => {
      const user = await ensureUser(runtime, crypto.randomUUID());
      await addTodos(user.id, 3);
      const cursor = (await currentVersion(runtime.db)) - 2;
      // A second process's runtime: its in-memory tail starts at the head, so older cursors are read from the log.
      const other = await syncServer.createRuntime(await openDatabase({ postgresUrl: runtime.url ?? '' }));
      try {
        const page = await other.feed.read(user.id, cursor);
        expect(page.changes.length).toBeGreaterThan(0);
        await runRetentionPass(runtime, { ...KEEP_ALL, logKeepVersions: 1 });
        await expect(other.feed.read(user.id, cursor)).rejects.toBeInstanceOf(LogCompactedError);
      } finally {
        await other.close();
      }
    },
  );

  it.skipIf(!process.env.DATABASE_URL)(
    'item 6: one process at a time: a pass skips while another holds the retention lock (PostgreSQL)',
    async () => {
      const other = new pg.Client({ connectionString: runtime.url ?? '' });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('select pg_advisory_xact_lock($1)', [RETENTION_LOCK]);
        const user = await ensureUser(runtime, crypto.randomUUID());
        await addTodos(user.id, 3);
        const before = await versionsIn(syncCommits);
        const report = await runRetentionPass(runtime, { ...KEEP_ALL, logKeepVersions: 1 });
        expect(report.skipped).toBe(true);
        expect(await versionsIn(syncCommits)).toEqual(before);
        await other.query('commit');
        expect((await runRetentionPass(runtime, { ...KEEP_ALL, logKeepVersions: 1 })).skipped).toBe(false);
        const [rest] = await runtime.db
          .select({ n: count() })
          .from(syncCommits)
          .where(lte(syncCommits.version, (await currentVersion(runtime.db)) - 1));
        expect(rest?.n).toBe(0);
      } finally {
        await other.end();
      }
    },
  );
});
