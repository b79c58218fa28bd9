/**
 * Several Next server processes on one PostgreSQL database: a change made through process A reaches a browser that
 * is connected to process B (LISTEN/NOTIFY pokes; the log is the truth).
 * Needs a PostgreSQL server: E2E_POSTGRES_URL names one (.ci/run sets it); each run creates and drops its own
 * database there.
 */
import { expect, test } from '@playwright/test';
import { createClient } from '@/client/create-client';
import { createPostgresDatabase } from '../tests/helpers/postgres-database';
import { startNextServer, type RunningServer } from './support/next-server';

const postgresUrl = process.env.E2E_POSTGRES_URL;

test('a change made through server A appears in a browser connected to server B', async ({
  page,
  context,
}) => {
  test.skip(
    !postgresUrl,
    'Set E2E_POSTGRES_URL to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test)',
  );
  test.setTimeout(120_000);
  const database = await createPostgresDatabase(postgresUrl ?? '');
  const servers: RunningServer[] = [];
  try {
    servers.push(await startNextServer(3183, { DATABASE_URL: database.url }));
    servers.push(await startNextServer(3184, { DATABASE_URL: database.url }));
    const [serverA, serverB] = servers as [RunningServer, RunningServer];

    await page.goto(`${serverB.url}/`);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    const session = (await context.cookies()).find((cookie) => cookie.name === 'starter.session_token');

    // The same user, through the other process.
    const client = createClient({
      url: serverA.url,
      sessionCookie: session && `${session.name}=${session.value}`,
    });
    const [first] = await client.todos.list.query();
    if (!first) throw new Error('expected seeded todos');
    await client.mutators.setTodoText.mutate({
      args: { id: first.id, text: 'Written through server A', updatedAt: new Date() },
    });
    await client.mutators.addTodo.mutate({
      args: { id: crypto.randomUUID(), text: 'Added through server A', position: 100, createdAt: new Date() },
    });

    await expect(page.getByTestId('todo-text').filter({ hasText: 'Written through server A' })).toBeVisible();
    await expect(page.getByTestId('todo-text').filter({ hasText: 'Added through server A' })).toBeVisible();
    expect(serverB.output()).not.toContain('Error');
  } finally {
    for (const server of servers) await server.stop();
    await database.drop();
  }
});
