/**
 * The production topology without containers, started by a test: a fresh PostgreSQL database, PgBouncer in
 * transaction mode in front of it, several app processes (the standalone server the Dockerfile runs) with
 * DATABASE_URL on the pooler and DATABASE_DIRECT_URL on PostgreSQL, and nginx in front of them with the shared
 * deploy/nginx configuration. Every part runs in a temporary folder on free loopback ports, and `stop()` removes it
 * all, the database included.
 */
import fs from 'node:fs';
import { startPgBouncer, PGBOUNCER_BINARY, type PgBouncer } from '../../../tests/helpers/pgbouncer';
import { createPostgresDatabase } from '../../../tests/helpers/postgres-database';
import { startNextServer, type RunningServer } from '../next-server';
import { isDescendantOf, listeningPid } from '../process-on-port';
import { STANDALONE_SERVER } from '../standalone-server';
import { freePort } from './free-port';
import { NGINX_BINARY, startNginx, type Nginx } from './nginx';

/** One app process behind the balancer: its name (its `x-served-by`) and port stay the same across restarts. */
export interface AppProcess {
  readonly name: string;
  readonly port: number;
  /** The running server, or undefined while it is down. */
  server: RunningServer | undefined;
}

export interface Topology {
  /** The balancer: what browsers and the typed client talk to. */
  readonly url: string;
  readonly apps: readonly AppProcess[];
  readonly nginx: Nginx;
  readonly pgbouncer: PgBouncer;
  /** The database's direct URL, for the test's own checks. */
  readonly databaseUrl: string;
  /** SIGKILL to the process (no shutdown of any kind). */
  kill(app: AppProcess): Promise<void>;
  /** SIGTERM (a deploy stopping it), waiting until it has exited. */
  stop(app: AppProcess): Promise<void>;
  /** Starts it again on its port and waits until it answers /api/health. */
  start(app: AppProcess): Promise<void>;
  /** Stops everything and drops the database; safe after a failed start. */
  close(): Promise<void>;
}

/** What is missing on this machine to run the topology, or null when nothing is. */
export function missingTopologyParts(): string | null {
  const missing = [
    [PGBOUNCER_BINARY, 'pgbouncer'],
    [NGINX_BINARY, 'nginx'],
  ].filter(([binary]) => !fs.existsSync(binary ?? ''));
  if (missing.length > 0) {
    return `Install ${missing.map(([, pkg]) => pkg).join(' and ')} (Debian: apt-get install -y ${missing.map(([, pkg]) => pkg).join(' ')})`;
  }
  if (!fs.existsSync(STANDALONE_SERVER)) return `No ${STANDALONE_SERVER}: run npm run build first`;
  return null;
}

export async function startTopology(options: {
  /** Any URL of the PostgreSQL server; a new database is created beside it. */
  postgresUrl: string;
  processes: number;
  env?: Record<string, string>;
}): Promise<Topology> {
  const database = await createPostgresDatabase(options.postgresUrl);
  const apps: AppProcess[] = [];
  let pgbouncer: PgBouncer | undefined;
  let nginx: Nginx | undefined;

  // Should the test process end without close() (a worker torn down after a timeout), no app process outlives it.
  const killOnExit = () => {
    for (const app of apps) {
      const pid = listeningPid(app.port);
      if (pid !== null && isDescendantOf(pid, process.pid)) process.kill(pid, 'SIGKILL');
    }
  };
  process.once('exit', killOnExit);

  const close = async () => {
    process.off('exit', killOnExit);
    await nginx?.stop();
    await Promise.all(apps.flatMap((app) => (app.server ? [app.server.crash()] : [])));
    await pgbouncer?.stop();
    await database.drop();
  };

  try {
    pgbouncer = await startPgBouncer({ serverUrl: database.url, poolMode: 'transaction', poolSize: 20 });
    const env = {
      DATABASE_URL: pgbouncer.urlFor(database.url),
      DATABASE_DIRECT_URL: database.url,
      ...options.env,
    };
    for (let index = 1; index <= options.processes; index++) {
      apps.push({ name: `app-${index}`, port: await freePort(), server: undefined });
    }
    const envOf = (app: AppProcess) => ({ ...env, SERVED_BY: app.name });
    // Together, as a deploy starts them: the migration lock (on the direct URL) lets one migrate at a time.
    await Promise.all(
      apps.map(async (app) => {
        app.server = await startNextServer(app.port, envOf(app));
      }),
    );
    nginx = await startNginx(apps);
    const balancer = nginx;
    const pooler = pgbouncer;

    return {
      url: balancer.url,
      apps,
      nginx: balancer,
      pgbouncer: pooler,
      databaseUrl: database.url,
      async kill(app) {
        await app.server?.crash();
        app.server = undefined;
      },
      async stop(app) {
        await app.server?.stop();
        app.server = undefined;
      },
      async start(app) {
        if (app.server) throw new Error(`${app.name} is already running`);
        app.server = await startNextServer(app.port, envOf(app));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
