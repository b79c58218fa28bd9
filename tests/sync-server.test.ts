/**
 * The framework's facade: what the app hands createSyncServer is checked when it is handed over (a declaration
 * error is an error at start-up, naming what is wrong), and a runtime serves the app copy that asks for it.
 */
import { getTableName } from 'drizzle-orm';
import { doublePrecision, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as schema from '@/db/schema';
import { createSyncServer, syncedTable } from '@/framework/server';
import { createDefineMutator } from '@/framework/shared';
import { mutators } from '@/mutators/registry';
import { actions } from '@/server/actions/registry';
import { syncServer } from '@/server/sync';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
beforeAll(async () => {
  runtime = await createTestRuntime();
});
afterAll(() => runtime.close());

const notesTable = () =>
  pgTable('notes_fixture', {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id').notNull(),
    title: text('title').notNull(),
    rank: doublePrecision('rank').notNull(),
  });

describe('syncedTable()', () => {
  it('derives the sync name from the export, the owner and order from the declaration', () => {
    const server = createSyncServer({
      schema: { notes: syncedTable(notesTable(), { owner: 'ownerId', order: ['rank', 'id'] }) },
      mutators: {},
      actions: {},
    });
    expect(Object.keys(server.app.tables).sort()).toEqual(['actionRuns', 'notes']);
    expect(server.app.layout.notes).toEqual({ owner: 'ownerId', order: ['rank', 'id'] });
    expect(getTableName(server.app.tables.notes?.table ?? notesTable())).toBe('notes_fixture');
  });

  it('refuses, naming the key, an owner or order key that is not a column, or one that sorts differently', () => {
    expect(() => syncedTable(notesTable(), { owner: 'nobody' as 'ownerId', order: ['id'] })).toThrow(
      /no owner column nobody/,
    );
    expect(() => syncedTable(notesTable(), { owner: 'ownerId', order: ['missing' as 'id'] })).toThrow(
      /no column missing/,
    );
    // Text sorts by the database's collation in PostgreSQL, by code unit in JavaScript.
    expect(() => syncedTable(notesTable(), { owner: 'ownerId', order: ['title', 'id'] })).toThrow(
      /title \(PgText\) does not sort alike/,
    );
    expect(() => syncedTable(notesTable(), { owner: 'ownerId', order: [] })).toThrow(/at least one key/);
  });

  it('leaves every table not declared server-only, and refuses one name for two synced tables', () => {
    const server = createSyncServer({ schema: { plain: notesTable() }, mutators: {}, actions: {} });
    expect(Object.keys(server.app.tables)).toEqual(['actionRuns']);
    expect(() =>
      createSyncServer({
        // The app exporting its own table under the framework's synced name.
        schema: { actionRuns: syncedTable(notesTable(), { owner: 'ownerId', order: ['id'] }) },
        mutators: {},
        actions: {},
      }),
    ).toThrow(/two tables are exported as actionRuns/);
  });
});

describe('createSyncServer()', () => {
  it('refuses a name that is both a mutator and an action', () => {
    const defineMutator = createDefineMutator();
    expect(() =>
      createSyncServer({
        schema: {},
        mutators: { summarizeTodos: defineMutator({ input: z.object({}), async run() {} }) },
        actions,
      }),
    ).toThrow(/summarizeTodos is both a mutator and an action/);
  });

  it('gives another copy of the app (Next bundles one per layer) a view of the same runtime with its own registries', async () => {
    const otherCopy = createSyncServer({ schema, mutators, actions });
    const view = otherCopy.withThisApp(runtime);
    expect(view.app).toBe(otherCopy.app);
    expect(view.app).not.toBe(runtime.app);
    // The same database, pokes and feed; one view per runtime, so per-runtime state stays one per copy.
    expect(view.db).toBe(runtime.db);
    expect(view.feed).toBe(runtime.feed);
    expect(otherCopy.withThisApp(runtime)).toBe(view);
    expect(syncServer.withThisApp(runtime)).toBe(runtime);
  });
});
