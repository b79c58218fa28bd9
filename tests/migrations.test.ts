import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as schema from '@/db/schema';
import * as frameworkSchema from '@/framework/server/schema';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import { migrateDatabase } from '@/framework/server/db/migrate';
import { createPostgresDatabase, createTestDatabase } from './helpers/test-database';

describe('migrations', () => {
  it('are applied on open and are a no-op when applied again', async () => {
    const database = await createTestDatabase();
    try {
      await migrateDatabase(database.engine);
      const result = await database.db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      // Every table of both schema files exists: the committed migrations match them.
      const expected = [...Object.values(frameworkSchema), ...Object.values(schema)]
        .filter((value) => is(value, PgTable))
        .map((table) => getTableName(table))
        .sort();
      expect(result.rows.map((row) => row.table_name)).toEqual(expected);
    } finally {
      await database.close();
    }
  });

  // Several server processes starting at once on one PostgreSQL database must not race each other's migrations.
  it.runIf(process.env.DATABASE_URL)(
    'take turns when several processes start at once (PostgreSQL)',
    async () => {
      const database = await createPostgresDatabase(process.env.DATABASE_URL ?? '');
      try {
        const handles = await Promise.all(
          Array.from({ length: 4 }, () => openDatabase({ postgresUrl: database.url })),
        );
        await Promise.all(handles.map((handle) => handle.close()));
      } finally {
        await database.drop();
      }
    },
  );
});
