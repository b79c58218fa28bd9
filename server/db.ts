/**
 * The server process's database: opened (and migrated) once per process on first use, and kept on `globalThis`
 * so that Next dev's hot reloads reuse it instead of opening the PGlite folder a second time.
 */
import 'server-only';
import { openDatabase, type DatabaseHandle, type Db } from '@/db/open';
import { getEnv } from './env';

const holder = globalThis as typeof globalThis & { __starterDatabase?: Promise<DatabaseHandle> };

/** Opens the configured database (DATABASE_URL, else PGlite in PGLITE_DIR), once per process. */
export function getDatabase(): Promise<DatabaseHandle> {
  if (!holder.__starterDatabase) {
    const env = getEnv();
    const opening = openDatabase(
      env.DATABASE_URL ? { postgresUrl: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR },
    );
    // A failed open is not cached: the next request tries again (e.g. once the other holder has stopped).
    opening.catch(() => {
      if (holder.__starterDatabase === opening) holder.__starterDatabase = undefined;
    });
    holder.__starterDatabase = opening;
  }
  return holder.__starterDatabase;
}

/** Shorthand for the drizzle instance of {@link getDatabase}. */
export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}
