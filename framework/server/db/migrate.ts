/**
 * Applies the app's committed drizzle migrations (db/migrations). Idempotent: drizzle records what it applied.
 */
import path from 'node:path';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Engine } from './open';

/**
 * The app's migrations (drizzle-kit writes them there from both schema files, drizzle.config.ts). Resolved from the
 * working directory, which is the project root for `next`, vitest, playwright and scripts.
 */
export const MIGRATIONS_FOLDER = path.join(process.cwd(), 'db', 'migrations');

/** Any fixed number: every server process on one PostgreSQL database agrees on it. */
const MIGRATION_LOCK_KEY = 727_001;

export async function migrateDatabase(
  engine: Engine,
  migrationsFolder: string = MIGRATIONS_FOLDER,
): Promise<void> {
  const config = { migrationsFolder };
  if (engine.kind === 'pglite') {
    await migratePglite(drizzlePglite(engine.client), config);
    return;
  }
  // Several server processes may start at once on one database: a session advisory lock makes them take turns,
  // and the later ones find nothing left to apply. A session lock needs a session: on a connection of its own
  // (DATABASE_DIRECT_URL when the queries go through a transaction-mode pooler), which also runs the migrations.
  const connection = new pg.Client(engine.session);
  connection.on('error', (error) => console.error('[migrate] connection failed:', error.message));
  await connection.connect();
  try {
    await connection.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migratePostgres(drizzlePostgres(connection), config);
  } finally {
    // Closing the session releases its lock too; unlocking first just hands it over without waiting for the close.
    await connection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await connection.end().catch(() => undefined);
  }
}
