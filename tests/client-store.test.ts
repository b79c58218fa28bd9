/**
 * The client store against the real executor and change feed (no HTTP): optimistic effects, read-your-writes,
 * rollback of only the rejected mutation, and retries that reuse the mutation id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncStore, TransportError, type SyncTransport } from '@/framework/client/store';
import { ensureUser } from '@/framework/server/users';
import { mutators, type Mutators } from '@/mutators/registry';
import type { SyncedRows } from '@/mutators/synced-tables';
import { todos } from '@/db/schema';
import { syncCommits } from '@/framework/server/schema';
import { executeMutation } from '@/framework/server/runtime/executor';
import { readSnapshot } from './helpers/app-typed';
import { eq } from 'drizzle-orm';
import { createTestRuntime } from './helpers/test-database';
import { directTransport, eventually, gatedTransport, newClient, pumpFeed } from './helpers/sync';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const now = () => new Date();

describe('client store', () => {
  it('shows a mutation at once and keeps it until the feed confirms it (no flicker)', async () => {
    let gate!: ReturnType<typeof gatedTransport>;
    const { store } = await newClient(runtime, (userId) => {
      gate = gatedTransport(directTransport(runtime, userId));
      return gate.transport;
    });
    const feed = pumpFeed(runtime, store);
    const id = crypto.randomUUID();
    const seen: boolean[] = [];
    store.subscribe(() => seen.push(store.rows('todos').some((todo) => todo.id === id)));

    const handle = store.mutate('addTodo', { id, text: 'Instant', position: 99, createdAt: now() });
    await eventually(() => store.rows('todos').some((todo) => todo.id === id), 'optimistic row');
    expect(store.pendingCount).toBe(1);

    await gate.releaseNext();
    expect(await handle.settled).toMatchObject({ ok: true });
    expect(store.pendingCount).toBe(0);
    await eventually(() => seen.length >= 2, 'the view after the feed confirmed the mutation');
    // Every view since the mutation had the row: it never disappeared between the response and the feed.
    expect(seen.every(Boolean)).toBe(true);
    await feed.stop();
  });

  it('rolls back only the rejected mutation; the later pending one never flickers', async () => {
    let gate!: ReturnType<typeof gatedTransport>;
    const { userId, store } = await newClient(runtime, (user) => {
      gate = gatedTransport(directTransport(runtime, user));
      return gate.transport;
    });
    const feed = pumpFeed(runtime, store);
    const [doomed, kept] = store.rows('todos').filter((todo) => !todo.completed);
    if (!doomed || !kept) throw new Error('expected seeded todos');

    // 1st: rename `doomed`. 2nd: complete `kept`. Both are applied optimistically at once.
    const first = store.mutate('setTodoText', { id: doomed.id, text: 'Renamed offline', updatedAt: now() });
    const second = store.mutate('setTodoCompleted', { id: kept.id, completed: true, updatedAt: now() });
    await eventually(() => store.pendingCount === 2, 'both pending');
    const keptCompleted = () => store.rows('todos').find((todo) => todo.id === kept.id)?.completed;
    const flickers: unknown[] = [];
    store.subscribe(() => {
      if (keptCompleted() !== true) flickers.push(store.rows('todos'));
    });
    expect(store.rows('todos').find((todo) => todo.id === doomed.id)?.text).toBe('Renamed offline');
    expect(keptCompleted()).toBe(true);

    // Meanwhile another tab of the same user deletes `doomed`, so the server will refuse the rename.
    await executeMutation(runtime, userId, 'deleteTodo', { args: { id: doomed.id } });

    await gate.releaseNext();
    const firstResult = await first.settled;
    expect(firstResult).toMatchObject({ ok: false, failure: { code: 'NOT_FOUND' } });
    await gate.releaseNext();
    expect(await second.settled).toMatchObject({ ok: true });
    await eventually(() => store.pendingCount === 0, 'all settled');

    expect(store.rows('todos').some((todo) => todo.id === doomed.id)).toBe(false);
    expect(keptCompleted()).toBe(true);
    expect(flickers).toEqual([]);
    // The server agrees with the store.
    const [stored] = await runtime.db.select().from(todos).where(eq(todos.id, kept.id));
    expect(stored?.completed).toBe(true);
    await feed.stop();
  });

  it('retries after a network failure with the same mutation id, and the server applies it once', async () => {
    let failuresLeft = 2;
    let deliveredTwice = false;
    const { userId, store } = await newClient(runtime, (user) => {
      const direct = directTransport(runtime, user);
      const flaky: SyncTransport = {
        async mutate(name, request) {
          if (failuresLeft > 0) {
            failuresLeft--;
            // The first failure happens after the server applied it: the response was lost on the way back.
            if (failuresLeft === 1) {
              await direct.mutate(name, request);
              deliveredTwice = true;
            }
            throw new TransportError('fetch failed');
          }
          return direct.mutate(name, request);
        },
      };
      return flaky;
    });
    const feed = pumpFeed(runtime, store);
    const id = crypto.randomUUID();
    const handle = store.mutate('addTodo', { id, text: 'Exactly once', position: 5, createdAt: now() });
    expect(await handle.settled).toMatchObject({ ok: true });
    expect(deliveredTwice).toBe(true);
    const commits = await runtime.db
      .select()
      .from(syncCommits)
      .where(eq(syncCommits.clientId, store.clientId));
    expect(commits.map((commit) => commit.mutationId)).toEqual([1]);
    const rows = await runtime.db.select().from(todos).where(eq(todos.ownerId, userId));
    expect(rows.filter((row) => row.id === id)).toHaveLength(1);
    await feed.stop();
  });

  it('does not send a mutation that fails on the client, and reports it', async () => {
    const { store } = await newClient(runtime);
    const failures: string[] = [];
    store.onError((failure) => failures.push(failure.code));
    const handle = store.mutate('setTodoText', { id: crypto.randomUUID(), text: 'x', updatedAt: now() });
    expect(await handle.settled).toMatchObject({ ok: false, failure: { code: 'NOT_FOUND' } });
    expect(failures).toEqual(['NOT_FOUND']);
    expect(store.pendingCount).toBe(0);
  });

  it("item 6: a reset whose snapshot already holds this tab's mutations drops them from the pending list", async () => {
    // The tab's commit notice can be gone (retention compacted the log past its cursor): the reset snapshot then
    // carries the tab's last applied mutation id, and what it includes must not stay pending (or replay) forever.
    const { userId, store } = await newClient(runtime, (user) => directTransport(runtime, user));
    const id = crypto.randomUUID();
    const handle = store.mutate('addTodo', {
      id,
      text: 'Committed, notice lost',
      position: 42,
      createdAt: now(),
    });
    await eventually(
      async () => (await runtime.db.select().from(todos).where(eq(todos.id, id))).length === 1,
      'the server committed the mutation',
    );
    expect(store.pendingCount).toBe(1);

    await store.applyMessage({
      type: 'reset',
      snapshot: await readSnapshot(runtime, userId, store.clientId),
    });
    expect(store.pendingCount).toBe(0);
    expect(await handle.settled).toMatchObject({ ok: true });
    expect(store.rows('todos').filter((todo) => todo.id === id)).toHaveLength(1);
  });
});

/**
 * Issue 17: the browser's store gets its mutators from a dynamic import, so the page paints without their schemas.
 * Mutations made before they arrive wait for them, in order, and are validated exactly as later ones.
 */
describe('client store with mutators loaded on demand', () => {
  async function lazyClient(load: () => Promise<Mutators>) {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const store = new SyncStore<Mutators, SyncedRows>({
      mutators: load,
      snapshot: await readSnapshot(runtime, userId),
      transport: directTransport(runtime, userId),
      retryDelayMs: 5,
    });
    return { userId, store };
  }

  it('keeps the order of mutations made before the mutators load, and refuses bad input naming the field', async () => {
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (release = resolve));
    let loads = 0;
    const { userId, store } = await lazyClient(async () => {
      loads++;
      await arrived;
      return mutators;
    });
    const feed = pumpFeed(runtime, store);
    const failures: string[] = [];
    store.onError((failure) => failures.push(`${failure.code} ${failure.message}`));
    const id = crypto.randomUUID();
    const added = store.mutate('addTodo', { id, text: 'Before load', position: 1, createdAt: now() });
    const refused = store.mutate('addTodo', {
      id: crypto.randomUUID(),
      text: '  ',
      position: 2,
      createdAt: now(),
    });
    // Needs the todo the first one adds: it fails (NOT_FOUND) if it runs first.
    const completed = store.mutate('setTodoCompleted', { id, completed: true, updatedAt: now() });
    await Promise.resolve();
    expect(store.pendingCount).toBe(0);
    expect(store.rows('todos').some((todo) => todo.id === id)).toBe(false);

    release();
    expect(await added.settled).toMatchObject({ ok: true });
    expect(await refused.settled).toMatchObject({
      ok: false,
      failure: { code: 'BAD_REQUEST', message: 'text: must not be empty' },
    });
    expect(await completed.settled).toMatchObject({ ok: true });
    expect(failures).toEqual(['BAD_REQUEST text: must not be empty']);
    const [row] = await runtime.db.select().from(todos).where(eq(todos.id, id));
    expect(row).toMatchObject({ ownerId: userId, text: 'Before load', completed: true });
    // Once loaded, a refusal is reported at once, as with mutators given directly.
    const late = store.mutate('addTodo', { id: 'not-a-uuid', text: 'x', position: 3, createdAt: now() });
    expect(failures).toHaveLength(2);
    expect(failures[1]).toMatch(/^BAD_REQUEST id: /);
    expect(await late.settled).toMatchObject({ ok: false });
    expect(loads).toBe(1);
    await feed.stop();
  });

  it('tries a failed load again with the next mutation', async () => {
    let loads = 0;
    const { store } = await lazyClient(async () => {
      loads++;
      if (loads === 1) throw new Error('chunk failed to load');
      return mutators;
    });
    const feed = pumpFeed(runtime, store);
    const first = store.mutate('addTodo', {
      id: crypto.randomUUID(),
      text: 'a',
      position: 1,
      createdAt: now(),
    });
    expect(await first.settled).toMatchObject({ ok: false, failure: { message: 'chunk failed to load' } });
    const second = store.mutate('addTodo', {
      id: crypto.randomUUID(),
      text: 'b',
      position: 2,
      createdAt: now(),
    });
    expect(await second.settled).toMatchObject({ ok: true });
    expect(loads).toBe(2);
    await feed.stop();
  });
});
