/**
 * Throwaway databases for one bench run: a fresh PGlite folder, and — when asked with `--postgres[=URL]` or
 * BENCH_DATABASE_URL — a fresh PostgreSQL database created next to the one the URL names and dropped afterwards,
 * so a bench never reads or leaves rows in anyone's data.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { onInterrupt } from './interrupt';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Where a bench's data lives; `config` is what framework/server/db/open.ts's openDatabase accepts. */
export interface BenchDatabase {
  readonly engine: 'pglite' | 'postgres';
  readonly config: { pgliteDir: string } | { postgresUrl: string };
  /** Removes the folder / drops the database. Call only once nothing uses it any more. */
  dispose(): Promise<void>;
}

/** The engines to run: PGlite always, PostgreSQL too when the command line or environment asks for it. */
export function requestedEngines(argv: readonly string[]): { postgresBaseUrl: string | null } {
  const flag = argv.find((arg) => arg === '--postgres' || arg.startsWith('--postgres='));
  if (flag)
    return { postgresBaseUrl: flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : DEFAULT_POSTGRES_URL };
  return { postgresBaseUrl: process.env.BENCH_DATABASE_URL || null };
}

/**
 * Runs `run` on each requested database in turn (a fresh PGlite folder, then PostgreSQL if asked for), disposing
 * each afterwards, and returns the results in that order.
 */
export async function forEachDatabase<T>(
  argv: readonly string[],
  folderPrefix: string,
  run: (database: BenchDatabase) => Promise<T>,
): Promise<T[]> {
  const engines: (() => Promise<BenchDatabase>)[] = [async () => createPgliteFolder(folderPrefix)];
  const { postgresBaseUrl } = requestedEngines(argv);
  if (postgresBaseUrl) engines.push(() => createPostgresDatabase(postgresBaseUrl));
  const results: T[] = [];
  for (const create of engines) {
    const database = await create();
    try {
      results.push(await run(database));
    } finally {
      await database.dispose();
    }
  }
  return results;
}

/** Runs a bench's main function; any failure prints its stack and exits non-zero. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}

export function createPgliteFolder(prefix: string): BenchDatabase {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const remove = () => fs.rmSync(parent, { recursive: true, force: true });
  const forget = onInterrupt(remove);
  return {
    engine: 'pglite',
    config: { pgliteDir: path.join(parent, 'db') },
    async dispose() {
      forget();
      remove();
    },
  };
}

export async function createPostgresDatabase(baseUrl: string): Promise<BenchDatabase> {
  const name = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(baseUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  // FORCE: a server that was killed may leave connections behind for a moment. Before forcing, give closing
  // connections a moment to go: pg's Pool.end() resolves before its idle sockets have closed, and a connection
  // that FORCE terminates makes its pool report "idle PostgreSQL connection failed" (framework/server/db/open.ts).
  const drop = () =>
    withAdmin(baseUrl, async (admin) => {
      await waitForNoConnections(admin, name, DROP_GRACE_MS);
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  const forget = onInterrupt(drop);
  return {
    engine: 'postgres',
    config: { postgresUrl: url.toString() },
    async dispose() {
      forget();
      await drop();
    },
  };
}

const DROP_GRACE_MS = 2_000;

/** Polls until no other session is connected to `database`, for at most `timeoutMs`. */
async function waitForNoConnections(admin: pg.Client, database: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const { rows } = await admin.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    if ((rows[0]?.n ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function withAdmin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}
