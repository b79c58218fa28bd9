import { defineConfig } from 'drizzle-kit';

/**
 * drizzle-kit writes migrations from the framework's tables (framework/server/schema.ts) and the app's (db/schema.ts) (`npm run db:generate`). Migrations are applied by the app itself
 * on start and by `npm run db:migrate`, both through framework/server/db/open.ts so that the PGlite folder lock is respected.
 * `npm run db:studio` also takes that lock before drizzle-kit opens the database.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./framework/server/schema.ts', './db/schema.ts'],
  out: './db/migrations',
  ...(process.env.DATABASE_URL
    ? { dbCredentials: { url: process.env.DATABASE_URL } }
    : { driver: 'pglite', dbCredentials: { url: process.env.PGLITE_DIR || '.data/pglite' } }),
});
