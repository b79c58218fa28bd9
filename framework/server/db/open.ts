/**
 * Opens the database: embedded PGlite in a local folder (or `memory://`) by default, PostgreSQL when a connection
 * URL is given. Both speak the same `pg-core` schema, so the rest of the code sees one {@link Db} type.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Assume } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { DURABLE_START_PARAMS, DurableNodeFS, flushFolderTree } from './pglite-durable-fs';
import { prepareDataFolder } from './pglite-folder';
import { acquirePgliteFolderLock } from './pglite-lock';
import { migrateDatabase } from './migrate';
import { notificationsReachSession, SESSION_PROBE_TIMEOUT_MS, sessionProbeFailure } from './session-probe';

/** What `db.execute(sql…)` returns on both engines: PGlite's `Results` and pg's `QueryResult` both carry `rows`. */
export interface RowsResultHKT extends PgQueryResultHKT {
  type: RowsResult<Assume<this['row'], Record<string, unknown>>>;
}

/** The part of a raw query result that both engines share. */
export interface RowsResult<TRow> {
  rows: TRow[];
}

/** The drizzle database, whichever engine is behind it. */
export type Db = PgDatabase<RowsResultHKT>;

/**
 * How a PGlite folder meets the disk. `durable` (the default): a commit is answered only after its WAL is flushed
 * (fsync), as on a PostgreSQL server. `relaxed`: PGlite's own default, fsync off; faster, and a power cut or kernel
 * crash can lose acknowledged commits or leave the folder corrupt (a killed process loses nothing).
 */
export type PgliteDurability = 'durable' | 'relaxed';

/** Where the data lives: a PostgreSQL URL, or a PGlite folder (`memory://` keeps it in memory). */
export type DatabaseConfig = (PostgresConfig | { pgliteDir: string; durability?: PgliteDurability }) & {
  /** Where the migrations are (default: db/migrations under the working directory). */
  migrationsFolder?: string;
};

/** PostgreSQL: queries through `postgresUrl` (may be a transaction-mode pooler), sessions through `directUrl`. */
export interface PostgresConfig {
  postgresUrl: string;
  /** A connection that keeps its session (LISTEN, the migration lock); default `postgresUrl`. */
  directUrl?: string;
  /** How long start-up waits for its probe NOTIFY before it concludes sessions do not work (framework/server/db/session-probe.ts). */
  sessionProbeTimeoutMs?: number;
}

/** The driver under drizzle, for what drizzle does not cover (LISTEN/NOTIFY, PGlite's own API). */
export type Engine =
  | { kind: 'pglite'; client: PGlite }
  | {
      kind: 'postgres';
      /** Queries and transactions (DATABASE_URL). */
      pool: pg.Pool;
      /** For a `pg.Client` that needs its own session: LISTEN (pokes), the migrations' advisory lock. */
      session: pg.ClientConfig;
    };

/** An open database and how to close it. */
export interface DatabaseHandle {
  readonly db: Db;
  /**
   * Connections of their own for the change feed's log reads (PostgreSQL), so that a backlog of mutations waiting
   * for the main pool cannot hold up delivering what already committed. PGlite has one connection: absent there.
   */
  readonly feedDb?: Db;
  readonly engine: Engine;
  /** Releases connections (and the PGlite folder lock). Safe to call twice. */
  close(): Promise<void>;
}

export const MEMORY = 'memory://';

/**
 * Opens the database and applies pending migrations (idempotent). On PostgreSQL it first checks that the session
 * connection keeps its session, and refuses to open (naming DATABASE_DIRECT_URL) when a pooler would break it.
 */
export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  const handle =
    'postgresUrl' in config
      ? openPostgres(config)
      : await openPglite(config.pgliteDir, config.durability ?? 'durable');
  try {
    if (handle.engine.kind === 'postgres' && 'postgresUrl' in config) {
      const timeoutMs = config.sessionProbeTimeoutMs ?? SESSION_PROBE_TIMEOUT_MS;
      if (!(await notificationsReachSession(handle.engine.session, handle.engine.pool, timeoutMs))) {
        throw new Error(sessionProbeFailure(config.directUrl !== undefined, timeoutMs));
      }
    }
    await migrateDatabase(handle.engine, config.migrationsFolder);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

async function openPglite(dir: string, durability: PgliteDurability): Promise<DatabaseHandle> {
  const folder = dir.startsWith(MEMORY) ? null : prepareDataFolder(dir);
  const lock = folder === null ? null : acquirePgliteFolderLock(folder);
  let client: PGlite;
  try {
    client = await createPglite(folder, durability);
  } catch (error) {
    lock?.release();
    throw new Error(`Could not open the PGlite data folder "${dir}": ${describeError(error)}`, {
      cause: error,
    });
  }
  let closed = false;
  return {
    db: drizzlePglite(client),
    engine: { kind: 'pglite', client },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function createPglite(folder: string | null, durability: PgliteDurability): Promise<PGlite> {
  if (folder === null) return PGlite.create();
  if (durability === 'relaxed') return PGlite.create(folder);
  const isNew = !fs.existsSync(path.join(folder, 'PG_VERSION'));
  const client = await PGlite.create({
    fs: new DurableNodeFS(folder),
    startParams: [...DURABLE_START_PARAMS],
  });
  try {
    if (isNew) await flushFolderTree(folder);
    const { rows } = await client.query<{ fsync: string }>('SHOW fsync');
    if (rows[0]?.fsync !== 'on') {
      throw new Error(
        `PostgreSQL inside PGlite reports fsync=${rows[0]?.fsync ?? '?'}; commits would not be durable`,
      );
    }
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/** Emscripten throws plain objects (`{ errno }`), which `String()` renders as "[object Object]". */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
}

function openPostgres({ postgresUrl: url, directUrl }: PostgresConfig): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const feedPool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that would crash the process.
  for (const each of [pool, feedPool]) {
    each.on('error', (error) => console.error('[db] idle PostgreSQL connection failed:', error.message));
  }
  let closed = false;
  return {
    db: drizzlePostgres(pool),
    feedDb: drizzlePostgres(feedPool),
    engine: { kind: 'postgres', pool, session: { connectionString: directUrl ?? url } },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pool.end(), feedPool.end()]);
    },
  };
}
