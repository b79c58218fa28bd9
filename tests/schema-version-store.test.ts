/**
 * The client side of a schema-version change, against the real executor and change stream: an outdated store keeps
 * its pending changes and sends nothing more; the reloaded page's store takes them over under their client id and
 * applies each exactly once (already committed ones are not sent again), drops the ones the new mutators refuse
 * (reported), and queues changes made meanwhile after them. Plus the carry-over storage itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { todos } from '@/db/schema';
import {
  CARRY_OVER_TTL_MS,
  saveCarryOver,
  SchemaVersionRefusal,
  takeCarryOver,
  type CarriedMutations,
  type MutationFailure,
  type SyncTransport,
} from '@/framework/client';
import { clientMutations } from '@/framework/server/schema';
import { executeMutation } from '@/framework/server/runtime/executor';
import { SchemaVersionMismatchError } from '@/framework/server/runtime/schema-version';
import { ensureUser } from '@/framework/server/users';
import { schemaVersion } from '@/mutators/schema-version';
import { AppStore, readSnapshot, streamChanges } from './helpers/app-typed';
import { directTransport, eventually } from './helpers/sync';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

/** The executor as the tRPC transport sees it: a version refusal becomes a SchemaVersionRefusal; calls counted. */
function versionedTransport(userId: string) {
  const inner = directTransport(runtime, userId);
  const calls: string[] = [];
  const transport: SyncTransport = {
    async mutate(name, request) {
      calls.push(name);
      try {
        return await inner.mutate(name, request);
      } catch (error) {
        const cause = error instanceof Error ? error.cause : undefined;
        const mismatch = cause instanceof Error ? cause.cause : undefined;
        if (mismatch instanceof SchemaVersionMismatchError)
          throw new SchemaVersionRefusal(
            { client: mismatch.client, server: mismatch.server },
            mismatch.message,
          );
        throw error;
      }
    },
  };
  return { transport, calls };
}

/** Applies the user's change stream from a reset for `clientId` (what followFeed does while restoring). */
function pumpFromReset(store: AppStore) {
  const controller = new AbortController();
  const done = (async () => {
    for await (const [, message] of streamChanges(
      runtime,
      store.userId,
      null,
      controller.signal,
      undefined,
      store.clientId,
    ))
      await store.applyMessage(message);
  })();
  return {
    async stop() {
      controller.abort();
      await done;
    },
  };
}

const newTodo = (text: string) => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });

async function countTexts(userId: string, texts: string[]) {
  const rows = await runtime.db
    .select({ text: todos.text })
    .from(todos)
    .where(and(eq(todos.ownerId, userId), inArray(todos.text, texts)));
  return Object.fromEntries(texts.map((text) => [text, rows.filter((row) => row.text === text).length]));
}

describe('an outdated store', () => {
  it('keeps its pending changes visible, sends nothing more, and hands them over with their ids', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const { transport, calls } = versionedTransport(userId);
    const store = new AppStore({
      snapshot: await readSnapshot(runtime, userId),
      transport,
      schemaVersion: schemaVersion + 1,
      retryDelayMs: 5,
    });
    const failures: MutationFailure[] = [];
    store.onError((failure) => failures.push(failure));

    const first = newTodo('made on the old page');
    store.mutate('addTodo', first);
    await eventually(() => store.outdated !== null, 'the version refusal');
    expect(store.outdated).toEqual({ client: schemaVersion + 1, server: schemaVersion });

    const second = newTodo('made after the notice');
    store.mutate('addTodo', second);
    await eventually(() => store.pendingCount === 2, 'the second change queued');
    // Both shown, neither written, the second never sent, nothing reported as failed.
    expect(store.rows('todos').filter((todo) => [first.id, second.id].includes(todo.id))).toHaveLength(2);
    expect(await countTexts(userId, [first.text, second.text])).toEqual({
      [first.text]: 0,
      [second.text]: 0,
    });
    expect(calls).toEqual(['addTodo']);
    expect(failures).toEqual([]);

    const carried = store.carryOver();
    expect(carried).toMatchObject({ clientId: store.clientId, userId, schemaVersion: schemaVersion + 1 });
    expect(carried.mutations.map(({ id, name }) => ({ id, name }))).toEqual([
      { id: 1, name: 'addTodo' },
      { id: 2, name: 'addTodo' },
    ]);
  });
});

describe("the reload notice's count", () => {
  it('counts only the changes the server has not acknowledged, not those committed and still awaiting the feed', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const inner = directTransport(runtime, userId);
    // Build N commits the first change; then the deploy: build N+1 refuses this page's version.
    let deployed = false;
    const transport: SyncTransport = {
      async mutate(name, request) {
        if (deployed)
          throw new SchemaVersionRefusal({ client: schemaVersion, server: schemaVersion + 1 }, 'new version');
        const answer = await inner.mutate(name, request);
        deployed = true;
        return answer;
      },
    };
    const store = new AppStore({
      snapshot: await readSnapshot(runtime, userId),
      transport,
      schemaVersion,
      retryDelayMs: 5,
    });
    const saved = newTodo('committed, its feed message not applied yet');
    const unsaved = newTodo('refused by the new version');
    store.mutate('addTodo', saved);
    store.mutate('addTodo', unsaved);
    await eventually(() => store.outdated !== null, 'the version refusal');
    expect(store.pendingCount).toBe(2);
    expect(store.unsavedCount).toBe(1);
    expect(await countTexts(userId, [saved.text, unsaved.text])).toEqual({
      [saved.text]: 1,
      [unsaved.text]: 0,
    });
    // Both are still carried over: the server skips the committed one by its id.
    expect(store.carryOver().mutations.map(({ id }) => id)).toEqual([1, 2]);
  });
});

describe('the reloaded page', () => {
  it('applies each carried change once, drops the invalid ones with a report, then sends what was made meanwhile', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const clientId = `old-tab-${crypto.randomUUID()}`;
    const committed = newTodo('committed before the deploy');
    const valid = newTodo('still valid after the deploy');
    // Mutation 1 reached the old server and committed, but its answer was lost when the server stopped.
    await executeMutation(runtime, userId, 'addTodo', { args: committed, clientId, mutationId: 1 });
    const carried: CarriedMutations = {
      clientId,
      userId,
      schemaVersion: schemaVersion - 1,
      savedAt: Date.now(),
      mutations: [
        { id: 1, name: 'addTodo', args: committed },
        {
          id: 2,
          name: 'addTodo',
          args: { id: crypto.randomUUID(), title: 'an input shape of the old version' },
        },
        { id: 3, name: 'renamedAwayMutator', args: {} },
        { id: 4, name: 'addTodo', args: valid },
      ],
    };

    const { transport, calls } = versionedTransport(userId);
    const store = new AppStore({
      snapshot: await readSnapshot(runtime, userId),
      transport,
      schemaVersion,
      carried,
      retryDelayMs: 5,
    });
    const failures: MutationFailure[] = [];
    store.onError((failure) => failures.push(failure));
    expect(store.clientId).toBe(clientId);
    expect(store.restoring).toBe(true);

    // Made before the feed's reset arrived: held too, and sent after the carried ones.
    const meanwhile = newTodo('made right after the reload');
    store.mutate('addTodo', meanwhile);
    await eventually(() => store.pendingCount === 1, 'the new change queued');
    expect(calls).toEqual([]);

    const feed = pumpFromReset(store);
    try {
      await eventually(
        () => store.restoreReport !== null && store.pendingCount === 0,
        'replayed and confirmed',
      );
      expect(await countTexts(userId, [committed.text, valid.text, meanwhile.text])).toEqual({
        [committed.text]: 1,
        [valid.text]: 1,
        [meanwhile.text]: 1,
      });
      expect(store.restoreReport?.applied).toBe(1);
      expect(store.restoreReport?.replayed).toBe(1);
      expect(store.restoreReport?.dropped.map((failure) => failure.mutator)).toEqual([
        'addTodo',
        'renamedAwayMutator',
      ]);
      expect(failures.map((failure) => failure.code)).toEqual(['BAD_REQUEST', 'NOT_FOUND']);
      // The committed one was never sent again; the valid one and the new one took ids 2 and 3, in that order.
      expect(calls).toEqual(['addTodo', 'addTodo']);
      const [row] = await runtime.db
        .select({ last: clientMutations.lastMutationId })
        .from(clientMutations)
        .where(and(eq(clientMutations.userId, userId), eq(clientMutations.clientId, clientId)));
      expect(row?.last).toBe(3);
      for (const todo of [committed, valid, meanwhile])
        expect(store.rows('todos').filter((row) => row.id === todo.id)).toHaveLength(1);
    } finally {
      await feed.stop();
    }
  });

  it('ignores changes carried by another user', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const store = new AppStore({
      snapshot: await readSnapshot(runtime, userId),
      transport: versionedTransport(userId).transport,
      schemaVersion,
      carried: {
        clientId: 'someone-elses-tab',
        userId: crypto.randomUUID(),
        schemaVersion,
        savedAt: Date.now(),
        mutations: [{ id: 1, name: 'addTodo', args: newTodo('not yours') }],
      },
    });
    expect(store.clientId).not.toBe('someone-elses-tab');
    expect(store.restoring).toBe(false);
    expect(store.pendingCount).toBe(0);
  });
});

/** An in-memory Web Storage. */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('carry-over storage', () => {
  const record = (clientId: string, savedAt = Date.now()): CarriedMutations => ({
    clientId,
    userId: 'user-1',
    schemaVersion: 1,
    savedAt,
    mutations: [{ id: 7, name: 'addTodo', args: { createdAt: new Date('2026-01-02T03:04:05Z') } }],
  });

  it('gives the record back once, to the tab that saved it, with its Dates', () => {
    const local = new MemoryStorage();
    const tab = { local, session: new MemoryStorage() };
    expect(saveCarryOver(record('tab-1'), tab)).toBe(true);
    // Another tab (its own sessionStorage) does not get it.
    expect(takeCarryOver({ local, session: new MemoryStorage() })).toBeNull();
    // A duplicate of the tab (a copy of its sessionStorage) made before the reload: only the first load gets it.
    const duplicate = { local, session: new MemoryStorage() };
    duplicate.session.setItem('trpc-actions-starter.carry-over', 'tab-1');
    const taken = takeCarryOver(tab);
    expect(taken?.mutations[0]?.args).toEqual({ createdAt: new Date('2026-01-02T03:04:05Z') });
    expect(takeCarryOver(duplicate)).toBeNull();
    expect(takeCarryOver(tab)).toBeNull();
  });

  it('drops expired and malformed records, and says when it cannot store', () => {
    const local = new MemoryStorage();
    const tab = { local, session: new MemoryStorage() };
    saveCarryOver(record('closed-tab', Date.now() - CARRY_OVER_TTL_MS - 1), {
      local,
      session: new MemoryStorage(),
    });
    local.setItem('trpc-actions-starter.carry-over:garbage', '{not json');
    expect(takeCarryOver(tab)).toBeNull();
    expect(local.length).toBe(0);

    const full = new MemoryStorage();
    full.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      expect(saveCarryOver(record('tab-2'), { local: full, session: new MemoryStorage() })).toBe(false);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });
});
