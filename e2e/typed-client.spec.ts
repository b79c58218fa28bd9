import { expect, test } from '@playwright/test';
import { TRPCClientError } from '@trpc/client';
import { createClient } from '@/client/create-client';
import type { AppRouter } from '@/server/router-type';

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
  const session = (await context.cookies()).find((c) => c.name === 'starter_session');
  const client = createClient({ url: baseURL ?? '', sessionCookie: session?.value });
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
