/**
 * The server runtime over one open database: the app's parts, pokes and the change feed. One per process (the app
 * makes it through its sync server's `createRuntime`); tests create their own over an in-memory or per-test
 * database.
 */
import 'server-only';
import type { DatabaseHandle, Db, Engine } from '../db/open';
import { DEFAULT_LIMITS, type LimitPolicies } from '../limits/policies';
import type { SyncApp } from './app';
import { createChangeFeed, type ChangeFeed } from './change-feed';
import { createPokes, type Pokes } from './pokes';

export interface Runtime {
  /** The app's tables, mutators, actions and hooks (createSyncServer). */
  readonly app: SyncApp;
  readonly db: Db;
  readonly engine: Engine;
  readonly pokes: Pokes;
  readonly feed: ChangeFeed;
  /** The rate limits this runtime enforces (model calls per user, new visitors per address). */
  readonly limits: LimitPolicies;
  /** Aborted when the process begins to shut down: long-lived streams end so the server can stop. */
  readonly shutdownSignal: AbortSignal;
  /** Ends live streams (their clients reconnect to another process, or to this one once restarted). */
  beginShutdown(): void;
  /** Stops listening and closes the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The app this runtime serves. */
  app: SyncApp;
  /** Overrides of {@link DEFAULT_LIMITS} (the process passes the environment's). */
  limits?: Partial<LimitPolicies>;
}

export async function createRuntime(database: DatabaseHandle, options: RuntimeOptions): Promise<Runtime> {
  const pokes = createPokes(database.engine);
  const feed = await createChangeFeed(database.feedDb ?? database.db, pokes);
  const shutdown = new AbortController();
  return {
    app: options.app,
    db: database.db,
    engine: database.engine,
    pokes,
    feed,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
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
