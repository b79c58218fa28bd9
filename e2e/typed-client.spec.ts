import { expect, test } from '@playwright/test';
import { TRPCClientError } from '@trpc/client';
import { createClient } from '@/client/create-client';
import type { AppRouter } from '@/server/router-type';
import { cuttableFetch } from '../tests/helpers/cuttable-fetch';
import { createTokenInBrowser } from './support/api-token';

test('a script lists todos from the running server through the typed client', async ({ baseURL }) => {
  const client = createClient({ url: baseURL ?? '' });
  const todos = await client.todos.list.query();
  expect(todos.map((todo) => todo.text)).toContain('Run the tests with npm test');
  // Dates arrive as Dates (superjson), exactly the type the procedure returns.
  expect(todos[0]?.createdAt).toBeInstanceOf(Date);
  // The client keeps its session cookie: a second call is the same user with the same todos.
  expect((await client.todos.list.query()).map((todo) => todo.id)).toEqual(todos.map((todo) => todo.id));
});

test('the typed client acts as the browser’s user when given its session cookie', async ({
  page,
  context,
  baseURL,
}) => {
  await page.goto('/');
  const session = (await context.cookies()).find((c) => c.name === 'starter.session_token');
  const client = createClient({
    url: baseURL ?? '',
    sessionCookie: session && `${session.name}=${session.value}`,
  });
  const todos = await client.todos.list.query();
  await expect(page.getByTestId('todo-item')).toHaveText(todos.map((todo) => new RegExp(todo.text)));
});

test('bad input comes back as a typed error naming the field', async ({ baseURL }) => {
  const client = createClient({ url: baseURL ?? '' });
  const error = await client.todos.byId.query({ id: 'not-a-uuid' }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TRPCClientError);
  const data = (error as TRPCClientError<AppRouter>).data;
  expect(data?.httpStatus).toBe(400);
  expect(data?.issues?.[0]?.path).toEqual(['id']);
});

test.describe('with an API token', () => {
  test('acts as the token’s user: mutators, every action kind, and the change feed across a dropped connection', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(60_000);
    const token = await createTokenInBrowser(page);
    const network = cuttableFetch();
    const client = createClient({ url: baseURL ?? '', token, fetch: network.fetch });

    // Follow the change feed from now on, recording every version once.
    const versions: number[] = [];
    const texts = new Set<string>();
    const runs = new Map<string, string>();
    let connected = false;
    const feed = client.sync.changes.subscribe(
      { lastEventId: null },
      {
        onData: ({ data }) => {
          connected = true; // The first message is the reset snapshot.
          if (data.type !== 'changes') return;
          versions.push(data.version);
          for (const change of data.changes) {
            if (change.op !== 'set') continue;
            if (change.table === 'todos') texts.add(change.row.text);
            if (change.table === 'actionRuns') runs.set(change.row.id, change.row.status);
          }
        },
      },
    );
    await expect.poll(() => connected).toBe(true);

    // A mutator: the browser (same user) sees it live.
    await page.goto('/');
    await client.mutators.addTodo.mutate({
      args: { id: crypto.randomUUID(), text: 'From a script', position: 100, createdAt: new Date() },
    });
    await expect(page.getByTestId('todo-text').filter({ hasText: /^From a script$/ })).toHaveCount(1);

    // Synchronous action: a typed result.
    const summary = await client.actions.summarizeTodos.mutate({});
    expect(summary.total).toBeGreaterThan(0);
    // Batch: per-item results.
    const batch = await client.actions.addTodos.mutate({
      items: [
        { id: crypto.randomUUID(), text: 'Batch one', position: 101 },
        { id: crypto.randomUUID(), text: 'Batch two', position: 102 },
      ],
      createdAt: new Date(),
    });
    expect(batch.results.map((result) => result.ok)).toEqual([true, true]);
    // Streaming: the draft arrives in pieces over SSE, then done.
    const parts: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.streams.draftTodo.subscribe(
        { prompt: 'something for the garden' },
        {
          onData: (part) => {
            parts.push(part.text);
            if (part.done) {
              stream.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    expect(parts.at(-1)).toBe('Water the plants before the weekend');
    expect(parts.length).toBeGreaterThan(2);
    // Asynchronous: enqueue, then follow the run to completion through the change feed.
    const { runId } = await client.enqueue.tidyUp.mutate({ delayMsPerTodo: 10 });
    await expect.poll(() => runs.get(runId), { timeout: 20_000 }).toBe('succeeded');

    // Cut the feed's connection; changes made while it is down arrive after it resumes, each exactly once.
    expect(network.cut()).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      await client.mutators.addTodo.mutate({
        args: {
          id: crypto.randomUUID(),
          text: `While dropped ${i}`,
          position: 200 + i,
          createdAt: new Date(),
        },
      });
    }
    await expect
      .poll(() => [0, 1, 2, 3, 4].every((i) => texts.has(`While dropped ${i}`)), { timeout: 20_000 })
      .toBe(true);
    expect(new Set(versions).size).toBe(versions.length);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    feed.unsubscribe();
  });

  test('a revoked token is refused with 401', async ({ page, baseURL }) => {
    const token = await createTokenInBrowser(page, 'short-lived');
    const client = createClient({ url: baseURL ?? '', token });
    expect((await client.todos.list.query()).length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Revoke short-lived' }).click();
    await expect(page.getByTestId('api-token').first()).toHaveAttribute('data-revoked', 'true');
    const error = await client.todos.list.query().catch((caught: unknown) => caught);
    expect((error as TRPCClientError<AppRouter>).data?.httpStatus).toBe(401);
  });
});
