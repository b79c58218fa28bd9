/**
 * The framework's database entry for tooling (drizzle-kit, `npm run db:migrate`, `npm run db:studio`): no
 * "server-only" import, so plain Node scripts can load it. Servers get the same exports from framework/server.
 */
export {
  MEMORY,
  openDatabase,
  type DatabaseConfig,
  type DatabaseHandle,
  type Db,
  type Engine,
  type PgliteDurability,
  type PostgresConfig,
} from './open';
export { MIGRATIONS_FOLDER, migrateDatabase } from './migrate';
export { acquirePgliteFolderLock, PgliteFolderInUseError, type PgliteFolderLock } from './pglite-lock';
