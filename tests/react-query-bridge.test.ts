/**
 * Issue 13, React Query as the public face: the usual `mutationOptions()` / `queryOptions()` of the tRPC options
 * proxy, driven through React Query's own observers (what `useMutation` / `useQuery` use), run on the sync store.
 * The tRPC client is the browser's chain: syncLink, then a gate the test opens, then the real router in-process.
 */
import { MutationObserver, QueryClient, QueryObserver } from '@tanstack/react-query';
import { createTRPCClient, unstable_localLink, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreSlot, SyncStore, syncLink, createTrpcTransport } from '@/framework/client';
import { createDefineMutator, type AnyRows } from '@/framework/shared';
import { z } from 'zod';
import { rowsPublisher } from '@/framework/react';
import { executeMutation } from '@/framework/server/runtime/executor';
import { ensureUser } from '@/framework/server/users';
import { createInnerContext } from '@/server/context';
import { appRouter, createCaller, type AppRouter } from '@/server/routers/_app';
import { AppStore, readSnapshot } from './helpers/app-typed';
import { eventually, pumpFeed } from './helpers/sync';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

/** Holds every mutation that reaches the network until released; counts what got through and what answered. */
function gateLink() {
  const held: (() => void)[] = [];
  const seen = { mutations: 0, queries: 0, answered: 0, inputs: [] as unknown[] };
  const link: TRPCLink<AnyTRPCRouter> =
    () =>
    ({ op, next }) =>
      observable((observer) => {
        let unsubscribe = () => {};
        const forward = () => {
          const subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            error: (error) => {
              seen.answered++;
              observer.error(error);
            },
            complete: () => {
              seen.answered++;
              observer.complete();
            },
          });
          unsubscribe = () => subscription.unsubscribe();
        };
        if (op.type === 'mutation') {
          seen.mutations++;
          seen.inputs.push(op.input);
          held.push(forward);
        } else {
          seen.queries++;
          forward();
        }
        return () => unsubscribe();
      });
  return {
    link,
    seen,
    get held() {
      return held.length;
    },
    releaseAll() {
      for (const forward of held.splice(0)) forward();
    },
  };
}

/** A user with the browser's wiring: store, syncLink slot, React Query cache fed by the store. */
async function newTab() {
  const userId = crypto.randomUUID();
  const user = await ensureUser(runtime, userId);
  const gate = gateLink();
  const slot = new StoreSlot();
  const client = createTRPCClient<AppRouter>({
    links: [
      syncLink(slot),
      gate.link as TRPCLink<AppRouter>,
      unstable_localLink({
        router: appRouter,
        transformer: superjson,
        createContext: async () => createInnerContext({ runtime, user }),
      }),
    ],
  });
  const store = new AppStore({
    snapshot: await readSnapshot(runtime, userId),
    transport: createTrpcTransport(client),
    retryDelayMs: 5,
  });
  const queryClient = new QueryClient();
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  const publish = rowsPublisher(store, client, queryClient);
  publish();
  const unsubscribe = store.subscribe(publish);
  const detach = slot.attach(store);
  const todos = () => queryClient.getQueryData(trpc.sync.rows.todos.queryKey()) ?? [];
  return {
    userId,
    user,
    gate,
    slot,
    store,
    client,
    queryClient,
    trpc,
    todos,
    close() {
      detach();
      unsubscribe();
      queryClient.clear();
    },
  };
}

/** Lets every queued microtask run, but no timer or I/O callback: what happens "in the same tick". */
async function microtasks() {
  for (let i = 0; i < 200; i++) await Promise.resolve();
}

const now = () => new Date();

describe('React Query bridge: useMutation of mutators.* runs on the sync store', () => {
  it('shows the optimistic row in the same tick; isPending until the feed confirms, not when the server answers', async () => {
    const tab = await newTab();
    const id = crypto.randomUUID();
    const args = { id, text: 'Via React Query', position: 99, createdAt: now() };
    const successes: unknown[] = [];
    const observer = new MutationObserver(
      tab.queryClient,
      tab.trpc.mutators.addTodo.mutationOptions({
        onSuccess: (data, variables) => void successes.push({ data, variables }),
      }),
    );

    const done = observer.mutate({ args });
    await microtasks();
    // The query cache has the row before any timer ran, while the server has not even seen the request.
    expect(tab.todos().some((todo) => todo.id === id)).toBe(true);
    expect(tab.gate.seen.answered).toBe(0);
    expect(observer.getCurrentResult()).toMatchObject({ isPending: true, variables: { args } });
    expect(tab.store.pendingCount).toBe(1);

    // The server commits and answers, but this tab's feed has not delivered the commit yet: still pending.
    await eventually(() => tab.gate.held === 1, 'the mutation at the gate');
    tab.gate.releaseAll();
    await eventually(() => tab.gate.seen.answered === 1, 'the server answer');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(observer.getCurrentResult().isPending).toBe(true);
    expect(successes).toEqual([]);

    // The commit notice arrives: settled, with the version that holds it.
    const feed = pumpFeed(runtime, tab.store);
    const data = await done;
    expect(data).toEqual({ version: expect.any(Number), duplicate: false });
    expect(observer.getCurrentResult()).toMatchObject({
      isSuccess: true,
      isPending: false,
      data,
      variables: { args },
    });
    expect(successes).toEqual([{ data, variables: { args } }]);
    expect(tab.todos().filter((todo) => todo.id === id)).toHaveLength(1);
    // Sent once, numbered with the store's client id.
    expect(tab.gate.seen.inputs).toEqual([{ args, clientId: tab.store.clientId, mutationId: 1 }]);
    await feed.stop();
    tab.close();
  });

  it('rolls back only its own effect when the server refuses, and sets error (code and message)', async () => {
    const tab = await newTab();
    const feed = pumpFeed(runtime, tab.store);
    // Another user's todo id: this tab cannot know it is taken, so only the server refuses the insert.
    const other = await newTab();
    const [taken] = other.store.rows('todos');
    if (!taken) throw new Error('expected seeded todos');
    const [kept] = tab.store.rows('todos').filter((todo) => !todo.completed);
    if (!kept) throw new Error('expected an open todo');

    const insert = new MutationObserver(tab.queryClient, tab.trpc.mutators.addTodo.mutationOptions());
    const complete = new MutationObserver(
      tab.queryClient,
      tab.trpc.mutators.setTodoCompleted.mutationOptions(),
    );
    const refused = insert
      .mutate({ args: { id: taken.id, text: 'Not mine', position: 1, createdAt: now() } })
      .catch((error: unknown) => error);
    const completed = complete.mutate({ args: { id: kept.id, completed: true, updatedAt: now() } });
    await microtasks();
    expect(tab.todos().some((todo) => todo.id === taken.id)).toBe(true);
    expect(tab.todos().find((todo) => todo.id === kept.id)?.completed).toBe(true);

    await eventually(() => tab.gate.held >= 1, 'the insert at the gate');
    const releaser = setInterval(() => tab.gate.releaseAll(), 5);
    try {
      const error = await refused;
      expect(error).toMatchObject({ message: expect.any(String), data: { code: 'CONFLICT' } });
      expect(insert.getCurrentResult()).toMatchObject({ isError: true, isPending: false, error });
      // Its row is gone from the cache; the later mutation's effect stayed.
      expect(tab.todos().some((todo) => todo.id === taken.id)).toBe(false);
      expect(tab.todos().find((todo) => todo.id === kept.id)?.completed).toBe(true);
      await completed;
      expect(complete.getCurrentResult().isSuccess).toBe(true);
    } finally {
      clearInterval(releaser);
    }
    await feed.stop();
    tab.close();
    other.close();
  });

  it('refuses bad input (field named) and internal mutators locally, without sending anything', async () => {
    const tab = await newTab();
    const observer = new MutationObserver(tab.queryClient, tab.trpc.mutators.addTodo.mutationOptions());
    const before = tab.todos();
    const error = await observer
      .mutate({ args: { id: crypto.randomUUID(), text: '', position: 1, createdAt: now() } })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/^text: /) });
    expect(observer.getCurrentResult().isError).toBe(true);
    expect(tab.todos()).toBe(before);

    // Untyped calls: an input without `args`, and an internal mutator (not in the typed proxy: no procedure).
    const untyped = tab.client.mutators as unknown as Record<
      string,
      { mutate(input: unknown): Promise<unknown> } | undefined
    >;
    const noArgs = await untyped.addTodo
      ?.mutate({ id: crypto.randomUUID() })
      .catch((caught: unknown) => caught);
    expect(noArgs).toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/^input: /),
    });
    // An internal mutator has no procedure (not in the typed proxy); the store must not run it either.
    const internal = await untyped.writeGeneratedText
      ?.mutate({ args: { id: crypto.randomUUID(), text: 'x' } })
      .catch((caught: unknown) => caught);
    expect(internal).toMatchObject({ data: { code: 'NOT_FOUND' } });
    expect(tab.gate.seen.mutations).toBe(0);
    tab.close();
  });
});

describe('React Query bridge: sync.rows.<table> queries read the store', () => {
  it('useQuery gets the rows without a request, and a refetch answers from the store (optimistic state included)', async () => {
    const tab = await newTab();
    const observer = new QueryObserver(tab.queryClient, tab.trpc.sync.rows.todos.queryOptions());
    const results: number[] = [];
    const unsubscribe = observer.subscribe((result) => results.push(result.data?.length ?? -1));
    expect(observer.getCurrentResult()).toMatchObject({ status: 'success', isStale: false });
    expect(observer.getCurrentResult().data).toBe(tab.store.rows('todos'));

    const id = crypto.randomUUID();
    tab.store.mutate('addTodo', { id, text: 'Pending', position: 1, createdAt: now() });
    await eventually(() => results.at(-1) === tab.store.rows('todos').length, 'the observer saw the new row');
    await observer.refetch();
    expect(observer.getCurrentResult().data?.some((todo) => todo.id === id)).toBe(true);
    expect(tab.gate.seen.queries).toBe(0);
    unsubscribe();
    tab.close();
  });

  it('without a store (scripts, server rendering) the same query returns only the user’s rows from the server', async () => {
    const alice = await newTab();
    const bob = await newTab();
    alice.close(); // Detaches the store: the link passes the query on.
    const rows = await alice.client.sync.rows.todos.query();
    expect(rows.map((todo) => todo.id).sort()).toEqual(
      alice.store
        .rows('todos')
        .map((todo) => todo.id)
        .sort(),
    );
    expect(rows.every((todo) => todo.ownerId === alice.userId)).toBe(true);
    expect(alice.gate.seen.queries).toBe(1);
    const caller = createCaller(createInnerContext({ runtime, user: bob.user }));
    expect((await caller.sync.rows.todos()).every((todo) => todo.ownerId === bob.userId)).toBe(true);
    bob.close();
  });

  it('a name that is not a synced table is NOT_FOUND, not a 500', async () => {
    const tab = await newTab();
    const untyped = tab.client.sync.rows as unknown as Record<string, { query(): Promise<unknown> }>;
    const error = await untyped.users?.query().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ data: { code: 'NOT_FOUND' } });
    tab.close();
  });
});

// Keeps the executor import honest: a commit made outside the tab reaches its cache through the feed.
describe('React Query bridge: server changes', () => {
  it('a commit from elsewhere updates the query cache', async () => {
    const tab = await newTab();
    const feed = pumpFeed(runtime, tab.store);
    const id = crypto.randomUUID();
    await executeMutation(runtime, tab.userId, 'addTodo', {
      args: { id, text: 'From a script', position: 5, createdAt: now() },
    });
    await eventually(() => tab.todos().some((todo) => todo.id === id), 'the script’s row in the cache');
    await feed.stop();
    tab.close();
  });
});

describe('the store never runs an internal mutator for a client', () => {
  it('refuses it as NOT_FOUND (as the server would) and sends nothing', async () => {
    const sent: string[] = [];
    const defineMutator = createDefineMutator<AnyRows>();
    const store = new SyncStore({
      mutators: {
        hidden: defineMutator({ internal: true, input: z.object({}), async run() {} }),
      },
      snapshot: { version: 0, userId: 'u', tables: {}, layout: {} },
      transport: { mutate: async (name) => void sent.push(name) },
    });
    expect(await store.mutate('hidden', {}).settled).toMatchObject({
      ok: false,
      failure: { code: 'NOT_FOUND', message: 'No mutator hidden' },
    });
    expect(sent).toEqual([]);
  });
});
