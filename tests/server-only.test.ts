/**
 * Server-only data stays on the server: a secret in a server-only table never appears in a query result, the
 * snapshot, the change feed, or an action's result; and no server-only table is configured as synced.
 */
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '@/db/schema';
import * as frameworkSchema from '@/framework/server/schema';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { streamChanges } from './helpers/app-typed';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';

const SECRET = `sk-secret-${crypto.randomUUID()}`;
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

describe('server-only data', () => {
  it('exactly the tables declared with syncedTable() are synced; every other table is server-only', () => {
    const synced = Object.entries(runtime.app.tables)
      .map(([name, config]) => `${name}:${getTableName(config.table)}`)
      .sort();
    expect(synced).toEqual(['actionRuns:action_runs', 'todos:todos']);
    expect(Object.keys(runtime.app.layout).sort()).toEqual(['actionRuns', 'todos']);
    const tables = [...Object.values(schema), ...Object.values(frameworkSchema)].filter((value) =>
      is(value, PgTable),
    );
    const syncedTables = new Set(Object.values(runtime.app.tables).map((config) => config.table));
    const serverOnly = tables.filter((table) => !syncedTables.has(table)).map((table) => getTableName(table));
    // The secrets' tables among them: never reachable from the feed, the store or a mutator's tx.
    expect(serverOnly).toEqual(
      expect.arrayContaining([
        'provider_settings',
        'api_tokens',
        'action_run_secrets',
        'users',
        'sync_changes',
      ]),
    );
  });

  it('a secret in provider_settings appears in no query, snapshot, feed message or action result', async () => {
    const user = await ensureUser(runtime, crypto.randomUUID());
    await runtime.db
      .insert(schema.providerSettings)
      .values({ userId: user.id, apiKey: SECRET, systemPrompt: SECRET });
    const caller = createCaller(createInnerContext({ runtime, user }));
    const seen: unknown[] = [];

    seen.push(await caller.todos.list());
    seen.push(await caller.sync.snapshot());
    seen.push(await caller.actions.summarizeTodos({}));
    const [first] = await caller.todos.list();
    if (!first) throw new Error('expected seeded todos');
    seen.push(await caller.todos.byId({ id: first.id }));

    const controller = new AbortController();
    const stream = streamChanges(runtime, user.id, null, controller.signal);
    seen.push((await stream.next()).value);
    await caller.mutators.setTodoText({ args: { id: first.id, text: 'changed', updatedAt: new Date() } });
    seen.push((await stream.next()).value);
    controller.abort();

    for (const value of seen) expect(JSON.stringify(superjson.serialize(value))).not.toContain(SECRET);
    expect(seen).toHaveLength(6);
  });
});
