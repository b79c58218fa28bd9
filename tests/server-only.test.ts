/**
 * Server-only data stays on the server: a secret in a server-only table never appears in a query result, the
 * snapshot, the change feed, or an action's result; and no server-only table is configured as synced.
 */
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServerOnly } from '@/framework/server/db/server-only';
import * as schema from '@/db/schema';
import { createInnerContext } from '@/server/context';
import { createCaller } from '@/server/routers/_app';
import { streamChanges } from '@/framework/server/runtime/change-stream';
import { syncedTables } from '@/server/sync-tables';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';

const SECRET = `sk-secret-${crypto.randomUUID()}`;
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

describe('server-only data', () => {
  it('every table is either synced or marked server-only, never both', () => {
    const synced = new Set(Object.values(syncedTables).map((config) => config.table));
    for (const table of Object.values(schema).filter((value) => is(value, PgTable))) {
      expect({ table: getTableName(table), either: synced.has(table) !== isServerOnly(table) }).toEqual({
        table: getTableName(table),
        either: true,
      });
    }
  });

  it('a secret in provider_settings appears in no query, snapshot, feed message or action result', async () => {
    const user = await ensureUser(runtime.db, crypto.randomUUID());
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
