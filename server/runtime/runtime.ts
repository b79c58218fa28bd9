/**
 * The server runtime over one open database: pokes and the change feed. One per process (server/instance.ts);
 * tests create their own over an in-memory or per-test database.
 */
import 'server-only';
import type { DatabaseHandle, Db, Engine } from '@/db/open';
import { createChangeFeed, type ChangeFeed } from './change-feed';
import { createPokes, type Pokes } from './pokes';

export interface Runtime {
  readonly db: Db;
  readonly engine: Engine;
  readonly pokes: Pokes;
  readonly feed: ChangeFeed;
  /** Aborted when the process begins to shut down: long-lived streams end so the server can stop. */
  readonly shutdownSignal: AbortSignal;
  /** Ends live streams (their clients reconnect to another process, or to this one once restarted). */
  beginShutdown(): void;
  /** Stops listening and closes the database. */
  close(): Promise<void>;
}

export async function createRuntime(database: DatabaseHandle): Promise<Runtime> {
  const pokes = createPokes(database.engine);
  const feed = await createChangeFeed(database.feedDb ?? database.db, pokes);
  const shutdown = new AbortController();
  return {
    db: database.db,
    engine: database.engine,
    pokes,
    feed,
    shutdownSignal: shutdown.signal,
    beginShutdown: () => shutdown.abort(),
    async close() {
      shutdown.abort();
      feed.close();
      await pokes.close();
      await database.close();
    },
  };
}
