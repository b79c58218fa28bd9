/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or, when DATABASE_URL is set, a new
 * PostgreSQL database created for this file and dropped afterwards, so concurrent runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MEMORY, openDatabase, type DatabaseHandle } from '@/db/open';
import { createRuntime, type Runtime } from '@/server/runtime/runtime';

export interface TestDatabase extends DatabaseHandle {
  /** The PostgreSQL URL of this test database, or null on PGlite. */
  readonly url: string | null;
}

/** Creates an empty PostgreSQL database next to the one `baseUrl` names and returns its URL. */
export async function createPostgresDatabase(
  baseUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: baseUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
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

/** A server runtime (database, pokes, change feed) over a fresh test database. */
export async function createTestRuntime(): Promise<Runtime & { url: string | null }> {
  const database = await createTestDatabase();
  const runtime = await createRuntime(database);
  return { ...runtime, url: database.url };
}
