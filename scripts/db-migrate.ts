/**
 * `npm run db:migrate`: applies pending migrations to the configured database (DATABASE_URL, else the PGlite
 * folder in PGLITE_DIR). Refuses, like the app, to open a PGlite folder that another live process holds.
 */
import './load-env';
import { openDatabase } from '@/framework/server/db';
import { databaseConfigOf, getEnv } from '@/server/env';

async function main() {
  const env = getEnv();
  const started = performance.now();
  const handle = await openDatabase(databaseConfigOf(env));
  await handle.close();
  const where = env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite folder ${env.PGLITE_DIR}`;
  console.log(`Migrations applied to ${where} in ${Math.round(performance.now() - started)} ms.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
