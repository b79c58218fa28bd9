/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or, when DATABASE_URL is set, a new
 * PostgreSQL database created for this file and dropped afterwards, so concurrent runs never see each other's rows.
 */
import { MEMORY, openDatabase, type DatabaseHandle } from '@/framework/server/db/open';
import { type Runtime } from '@/framework/server/runtime/runtime';
import { createPostgresDatabase } from './postgres-database';
import { syncServer } from '@/server/sync';

export { createPostgresDatabase };

export interface TestDatabase extends DatabaseHandle {
  /** The PostgreSQL URL of this test database, or null on PGlite. */
  readonly url: string | null;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) return { ...(await openDatabase({ pgliteDir: MEMORY })), url: null };
  const database = await createPostgresDatabase(baseUrl);
  const handle = await openDatabase({ postgresUrl: database.url });
  return {
    ...handle,
    url: database.url,
    async close() {
      await handle.close();
      await database.drop();
    },
  };
}

/**
 * A server runtime (database, pokes, change feed) over a fresh test database, for this app by default or for any
 * app's sync server (createSyncServer over a fixture's own schema, mutators and actions).
 */
export async function createTestRuntime(
  server: { createRuntime(database: DatabaseHandle): Promise<Runtime> } = syncServer,
): Promise<Runtime & { url: string | null }> {
  const database = await createTestDatabase();
  const runtime = await server.createRuntime(database);
  return { ...runtime, url: database.url };
}
