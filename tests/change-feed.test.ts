/**
 * The change feed: per-user visibility, resume by last event id, and — on a real PostgreSQL server with concurrent
 * writers — every change delivered exactly once, in commit order, across server processes.
 */
import type { SyncedRows } from '@/mutators/synced-tables';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import type { RowChange, SyncMessage } from '@/framework/shared/sync-protocol';
import { readUserLog } from '@/framework/server/runtime/change-log';
import { streamChanges } from './helpers/app-typed';
import { recordCommit } from '@/framework/server/runtime/commit';
import { executeMutation } from '@/framework/server/runtime/executor';
import { POKE_CHANNEL } from '@/framework/server/runtime/pokes';
import { type Runtime } from '@/framework/server/runtime/runtime';
import { readSnapshot } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';
import { syncServer } from '@/server/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

async function newUser(on: Runtime = runtime) {
  const id = crypto.randomUUID();
  await ensureUser(on, id);
  return id;
}

const addTodo = (on: Runtime, userId: string, text: string, extra: object = {}) =>
  executeMutation(on, userId, 'addTodo', {
    args: { id: crypto.randomUUID(), text, position: 1, createdAt: new Date() },
    ...extra,
  });

/** Reads the stream until `until(messages)` holds. */
async function collect(
  on: Runtime,
  userId: string,
  lastEventId: string | null,
  until: (messages: SyncMessage<SyncedRows>[]) => boolean,
  timeoutMs = 20_000,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const messages: SyncMessage<SyncedRows>[] = [];
  const eventIds: string[] = [];
  for await (const [id, message] of streamChanges(on, userId, lastEventId, controller.signal)) {
    messages.push(message);
    eventIds.push(id);
    if (until(messages)) break;
  }
  clearTimeout(timer);
  return { messages, eventIds, timedOut: controller.signal.aborted };
}

const changesOf = (messages: SyncMessage<SyncedRows>[]) =>
  messages.flatMap((message) => (message.type === 'changes' ? message.changes : []));

/** The text of each todo written by these messages, in order. */
const todoTexts = (messages: SyncMessage<SyncedRows>[]) =>
  changesOf(messages).flatMap((change) =>
    change.table === 'todos' && change.op === 'set' ? [change.row.text] : [],
  );

describe('change feed', () => {
  it("starts a fresh client with a snapshot, then streams only that user's changes", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const controller = new AbortController();
    const stream = streamChanges(runtime, alice, null, controller.signal);
    const first = await stream.next();
    expect(first.value?.[1]).toMatchObject({ type: 'reset', snapshot: { userId: alice } });
    await addTodo(runtime, bob, 'Bob only');
    await addTodo(runtime, alice, 'Alice only');
    const second = await stream.next();
    controller.abort();
    const message = second.value?.[1];
    expect(message?.type).toBe('changes');
    expect(todoTexts(message ? [message] : [])).toEqual(['Alice only']);
  });

  it('resumes after the last event id: nothing missed, nothing twice', async () => {
    const user = await newUser();
    const start = (await readSnapshot(runtime, user)).version;
    await addTodo(runtime, user, 'one');
    const first = await collect(runtime, user, String(start), (m) => changesOf(m).length >= 1);
    const lastId = first.eventIds.at(-1) ?? null;
    // Disconnected: two more commits happen.
    await addTodo(runtime, user, 'two');
    await addTodo(runtime, user, 'three');
    const resumed = await collect(runtime, user, lastId, (m) => changesOf(m).length >= 2);
    expect(todoTexts(resumed.messages)).toEqual(['two', 'three']);
  });

  it('sends a reset when the client is ahead of the log (the database was replaced)', async () => {
    const user = await newUser();
    const { messages } = await collect(runtime, user, '999999999', (m) => m.length >= 1);
    expect(messages[0]).toMatchObject({ type: 'reset', snapshot: { userId: user } });
  });

  it("has this process's commits as they commit, exactly as the log holds them", async () => {
    const user = await newUser();
    const before = runtime.feed.head;
    const version = (await addTodo(runtime, user, 'published')).version ?? Number.NaN;
    // Appended at commit, with no log read in between (a poke would only have started one).
    expect(runtime.feed.head).toBe(version);
    // A failing mutation still commits (its consumed mutation id, with the error).
    await expect(
      executeMutation(runtime, user, 'setTodoText', {
        args: { id: crypto.randomUUID(), text: 'no such todo', updatedAt: new Date() },
        clientId: 'published-test',
        mutationId: 1,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const inMemory = await runtime.feed.read(user, before);
    expect(inMemory.commits.map((commit) => commit.version)).toEqual([version, version + 1]);
    expect(inMemory.commits[1]?.error?.code).toBe('NOT_FOUND');
    expect(inMemory).toEqual({
      upTo: version + 1,
      ...(await readUserLog(runtime.db, { after: before, upTo: version + 1, userId: user })),
    });
  });

  it('gives every tab of a user at the same version the same batch (so one message, serialized once)', async () => {
    const user = await newUser();
    const before = runtime.feed.head;
    await addTodo(runtime, user, 'shared');
    const [a, b] = await Promise.all([runtime.feed.read(user, before), runtime.feed.read(user, before)]);
    expect(a).toBe(b);
    expect(a.changes.map((change) => change.row?.text)).toEqual(['shared']);
    await addTodo(runtime, user, 'next');
    expect(await runtime.feed.read(user, before)).not.toBe(a); // the head moved: a new batch
  });

  it('reads the log when a commit it did not make comes first (a gap before the published one)', async () => {
    const user = await newUser();
    const before = runtime.feed.head;
    // Another writer's commit that this feed is never told about (as from another process, poke lost).
    await runtime.db.transaction((tx) =>
      recordCommit(
        runtime,
        tx,
        { userId: user, mutator: 'elsewhere', clientId: null, mutationId: null, error: null },
        [],
      ),
    );
    expect(runtime.feed.head).toBe(before);
    await addTodo(runtime, user, 'after the gap');
    const { messages } = await collect(runtime, user, String(before), (m) => changesOf(m).length >= 1);
    const commits = messages.flatMap((m) => (m.type === 'changes' ? m.commits : []));
    expect(commits.map((commit) => commit.version)).toEqual([before + 1, before + 2]);
    expect(todoTexts(messages)).toEqual(['after the gap']);
  });

  it.runIf(process.env.DATABASE_URL)(
    'pokes other processes on commit, with its version (PostgreSQL)',
    async () => {
      if (!runtime.url) throw new Error('expected a PostgreSQL test database');
      const listener = new pg.Client({ connectionString: runtime.url });
      await listener.connect();
      try {
        const payloads: string[] = [];
        listener.on('notification', (message) => payloads.push(message.payload ?? ''));
        await listener.query(`listen ${POKE_CHANNEL}`);
        const { version } = await addTodo(runtime, await newUser(), 'poke');
        await expect.poll(() => payloads).toContain(`${runtime.pokes.token}:${version}`);
      } finally {
        await listener.end();
      }
    },
  );

  // docs/architecture.md rule 3, on the real thing: concurrent transactions on PostgreSQL commit out of version
  // order unless versions are assigned in commit order. 8 writers × 250 mutations, read live by another "process".
  it.runIf(process.env.DATABASE_URL)(
    'delivers every change exactly once, in commit order, under 8 concurrent writers (PostgreSQL)',
    { timeout: 120_000 },
    async () => {
      if (!runtime.url) throw new Error('expected a PostgreSQL test database');
      const writers = 8;
      const perWriter = 250;
      const total = writers * perWriter;
      const user = await newUser();
      // Some history before the reader's process starts, so it also catches up from the database.
      for (let i = 0; i < 20; i++) await addTodo(runtime, user, `before ${i}`);
      const reader = await syncServer.createRuntime(await openDatabase({ postgresUrl: runtime.url }));
      try {
        const readAll = (on: Runtime) =>
          collect(
            on,
            user,
            '0',
            (messages) =>
              messages.reduce((n, m) => n + (m.type === 'changes' ? m.commits.length : 0), 0) >= total + 20,
            100_000,
          );
        // The other process reads the log on NOTIFY; the writers' own process gets its commits published as they
        // commit, out of version order across the 8 transactions (a gap makes it read the log instead).
        const streams = [readAll(reader), readAll(runtime)];
        await Promise.all(
          Array.from({ length: writers }, async (_, writer) => {
            const ids: string[] = [];
            for (let i = 1; i <= perWriter; i++) {
              const clientId = `writer-${writer}`;
              // Mix inserts and updates of this writer's earlier rows.
              if (i % 3 === 0 && ids.length > 0) {
                const id = ids[i % ids.length] as string;
                await executeMutation(runtime, user, 'setTodoText', {
                  args: { id, text: `w${writer} edit ${i}`, updatedAt: new Date() },
                  clientId,
                  mutationId: i,
                });
              } else {
                const id = crypto.randomUUID();
                ids.push(id);
                await executeMutation(runtime, user, 'addTodo', {
                  args: { id, text: `w${writer} #${i}`, position: i, createdAt: new Date() },
                  clientId,
                  mutationId: i,
                });
              }
            }
          }),
        );
        const final = (await readSnapshot(runtime, user)).tables.todos;
        for (const { messages, timedOut } of await Promise.all(streams)) {
          expect(timedOut).toBe(false);
          const commits = messages.flatMap((m) => (m.type === 'changes' ? m.commits : []));
          // Exactly once, in increasing version order.
          const versions = commits.map((commit) => commit.version);
          expect(versions).toEqual([...versions].sort((a, b) => a - b));
          expect(new Set(versions).size).toBe(versions.length);
          const mutationKeys = commits.filter((c) => c.clientId).map((c) => `${c.clientId}:${c.mutationId}`);
          expect(mutationKeys).toHaveLength(total);
          expect(new Set(mutationKeys).size).toBe(total);
          // Replaying the feed over the empty start gives exactly the table's final state.
          const replayed = new Map<string, unknown>();
          for (const change of changesOf(messages) as RowChange[]) {
            if (change.table !== 'todos') continue;
            if (change.op === 'set') replayed.set(change.id, change.row);
            else replayed.delete(change.id);
          }
          const seeded = final.filter((todo) => !replayed.has(todo.id));
          expect(seeded).toHaveLength(4); // the welcome todos, created before the feed's start
          expect(final.filter((todo) => replayed.has(todo.id))).toEqual(
            final.filter((todo) => replayed.has(todo.id)).map((todo) => replayed.get(todo.id)),
          );
          expect(replayed.size).toBe(final.length - 4);
        }
      } finally {
        await reader.close();
      }
    },
  );
});
