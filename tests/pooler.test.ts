/**
 * Behind a real PgBouncer 1.18 in transaction mode (what managed PostgreSQL services put in front of a database),
 * LISTEN and session advisory locks silently stop working. These tests start one in front of the test PostgreSQL
 * server and check that start-up refuses without DATABASE_DIRECT_URL, and that with it pokes between processes and
 * simultaneous migrations work.
 *
 * Runs in the PostgreSQL pass (DATABASE_URL set, as .ci/run does); needs Debian's `pgbouncer` (.ci/run installs it).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '@/framework/server/db/migrate';
import { openDatabase, type DatabaseHandle } from '@/framework/server/db/open';
import { notificationsReachSession } from '@/framework/server/db/session-probe';
import type { SyncMessage } from '@/framework/shared/sync-protocol';
import { streamChanges } from './helpers/app-typed';
import { executeMutation } from '@/framework/server/runtime/executor';
import { type Runtime } from '@/framework/server/runtime/runtime';
import { ensureUser } from '@/framework/server/users';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer';
import { createPostgresDatabase } from './helpers/postgres-database';
import { syncServer } from '@/server/sync';

const baseUrl = process.env.DATABASE_URL;
/** The advisory lock key of framework/server/db/migrate.ts. */
const MIGRATION_LOCK_KEY = 727_001;

describe.runIf(baseUrl)(
  'behind PgBouncer in transaction mode (PostgreSQL only: runs in the DATABASE_URL pass)',
  () => {
    let bouncer: PgBouncer;
    const drops: (() => Promise<void>)[] = [];

    /** A new, empty database: its direct URL and its URL through the pooler. */
    async function newDatabase() {
      const database = await createPostgresDatabase(baseUrl ?? '');
      drops.push(() => database.drop());
      return { direct: database.url, pooled: bouncer.urlFor(database.url) };
    }

    beforeAll(async () => {
      bouncer = await startPgBouncer({ serverUrl: baseUrl ?? '', poolMode: 'transaction' });
    });
    afterAll(async () => {
      await bouncer?.stop();
      for (const drop of drops) await drop();
    });

    it('without DATABASE_DIRECT_URL, opening refuses with a message naming DATABASE_DIRECT_URL', async () => {
      const { pooled } = await newDatabase();
      const opening = openDatabase({ postgresUrl: pooled, sessionProbeTimeoutMs: 1_000 });
      await expect(opening).rejects.toThrow(/DATABASE_DIRECT_URL/);
      await expect(opening).rejects.toThrow(/connection pooler in transaction mode/);
    });

    it('a DATABASE_DIRECT_URL that also goes through the pooler is refused too', async () => {
      const { pooled } = await newDatabase();
      await expect(
        openDatabase({ postgresUrl: pooled, directUrl: pooled, sessionProbeTimeoutMs: 1_000 }),
      ).rejects.toThrow(/DATABASE_DIRECT_URL does not hold a session/);
    });

    it('the probe finds sessions on a direct connection (no false positive) and none through the pooler', async () => {
      const { direct, pooled } = await newDatabase();
      for (const [url, expected] of [
        [direct, true],
        [pooled, false],
      ] as const) {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        try {
          const started = performance.now();
          expect(await notificationsReachSession({ connectionString: url }, pool, 1_000)).toBe(expected);
          // A direct connection answers long before the bound, not by luck at its end.
          if (expected) expect(performance.now() - started).toBeLessThan(500);
        } finally {
          await pool.end();
        }
      }
    });

    it('with DATABASE_DIRECT_URL, two runtimes through the pooler see each other’s commits within ~100 ms', async () => {
      const { direct, pooled } = await newDatabase();
      const config = { postgresUrl: pooled, directUrl: direct };
      const writer = await syncServer.createRuntime(await openDatabase(config));
      const reader = await syncServer.createRuntime(await openDatabase(config));
      const stop = new AbortController();
      try {
        const userId = crypto.randomUUID();
        await ensureUser(writer, userId);
        const follower = follow(reader, userId, stop.signal);
        await follower.next(); // The snapshot: the reader's stream is live.

        const latencies: number[] = [];
        for (let i = 0; i < 10; i++) {
          const id = crypto.randomUUID();
          await executeMutation(writer, userId, 'addTodo', {
            args: { id, text: `through the pooler ${i}`, position: i, createdAt: new Date() },
          });
          const sent = performance.now();
          const message = await follower.next();
          latencies.push(performance.now() - sent);
          expect(message.type === 'changes' && message.changes.map((change) => change.id)).toEqual([id]);
        }
        latencies.sort((a, b) => a - b);
        const p50 = latencies[Math.floor(latencies.length / 2)] ?? Infinity;
        console.log(
          `[pooler] commit → other runtime's follower through PgBouncer: p50 ${p50.toFixed(1)} ms, ` +
            `max ${latencies.at(-1)?.toFixed(1)} ms`,
        );
        // Without working pokes every change waits for the 5 s safety re-read (p50 ≈ 2.5 s).
        expect(p50).toBeLessThan(100);
        expect(latencies.at(-1)).toBeLessThan(1_000);
      } finally {
        stop.abort();
        await writer.close();
        await reader.close();
      }
    });

    it('simultaneous starts on a new database through the pooler migrate exactly once, and nobody crashes', async () => {
      const { direct, pooled } = await newDatabase();
      const handles: DatabaseHandle[] = await Promise.all(
        Array.from({ length: 5 }, () => openDatabase({ postgresUrl: pooled, directUrl: direct })),
      );
      try {
        const journal = JSON.parse(
          await readFile(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'),
        ) as { entries: unknown[] };
        const [first] = handles;
        if (!first || first.engine.kind !== 'postgres') throw new Error('expected PostgreSQL handles');
        const applied = await first.engine.pool.query<{ n: number }>(
          'select count(*)::int as n from drizzle.__drizzle_migrations',
        );
        expect(applied.rows[0]?.n).toBe(journal.entries.length);
        // The lock went back with its session: nothing left held (through the pooler it used to leak).
        const locks = await first.engine.pool.query<{ n: number }>(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = $1",
          [MIGRATION_LOCK_KEY],
        );
        expect(locks.rows[0]?.n).toBe(0);
        expect(bouncer.log()).not.toMatch(/don't own a lock/);
      } finally {
        await Promise.all(handles.map((handle) => handle.close()));
      }
    });
  },
);

/** The messages of one subscriber of `runtime`'s change stream, one at a time. */
function follow(runtime: Runtime, userId: string, signal: AbortSignal) {
  const stream = streamChanges(runtime, userId, null, signal);
  return {
    async next(): Promise<SyncMessage> {
      const result = await stream.next();
      if (result.done) throw new Error('the change stream ended');
      return result.value[1];
    },
  };
}
