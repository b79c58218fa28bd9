/**
 * The Zero arm (bench/peers/zero: `@rocicorp/zero`, its own package.json and lockfile). zero-cache replicates
 * from PostgreSQL by logical replication, so the arm runs on its own cluster with `wal_level=logical`
 * (logical-postgres.ts), migrated with the project's own migrations (same `users` and `todos` tables) and a
 * publication of `todos` alone. Processes: the arm's API server (page, /api/query, /api/mutate) and zero-cache
 * (its dispatcher, replicator and sync worker), all stopped and removed afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from '@playwright/test';
import pg from 'pg';
import { onInterrupt } from '../support/interrupt';
import { freePort } from '../support/server';
import { measureDataPathArm, type DataPathArm, type DataPathOptions } from './data-path-arm';
import { ensurePeerInstalled } from './install';
import { startLogicalCluster, type LogicalCluster } from './logical-postgres';
import { startPeerServer } from './peer-process';

export const ZERO_ARM = 'Zero' as const;
export type ZeroOutcome = { ran: true; arm: DataPathArm } | { ran: false; reason: string };

const DATABASE = 'zero_bench';
const READY_TIMEOUT_MS = 120_000;

/** Installs, starts and measures the Zero arm; any failure to set it up is returned as the reason it did not run. */
export async function measureZero(browser: Browser, options: DataPathOptions): Promise<ZeroOutcome> {
  let cluster: LogicalCluster | null = null;
  const stops: (() => Promise<void>)[] = [];
  try {
    const dir = ensurePeerInstalled('zero');
    cluster = await startLogicalCluster();
    const databaseUrl = cluster.url(DATABASE);
    await prepareDatabase(cluster, databaseUrl);

    const cachePort = await freePort();
    const delayToken = randomBytes(24).toString('hex');
    const api = await startPeerServer({
      dir,
      script: 'src/server.ts',
      args: (port) => [
        `--port=${port}`,
        `--database-url=${databaseUrl}`,
        `--cache-url=http://127.0.0.1:${cachePort}`,
        `--delay-token=${delayToken}`,
      ],
    });
    stops.push(() => api.stop());
    stops.push(await startZeroCache(dir, { databaseUrl, cachePort, apiUrl: api.url }));
    const arm = await measureDataPathArm(
      browser,
      { name: ZERO_ARM, url: api.url, mutationPath: '', delayToken, confirmation: 'page' },
      options,
    );
    return { ran: true, arm };
  } catch (error) {
    return {
      ran: false,
      reason: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await cluster?.stop();
  }
}

/** The project's migrations, then a publication of the one table Zero syncs. */
async function prepareDatabase(cluster: LogicalCluster, databaseUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  try {
    await admin.query(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const migrate = spawnSync('npx', ['tsx', 'scripts/db-migrate.ts'], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl, PGLITE_DIR: '' },
    timeout: 120_000,
  });
  if (migrate.status !== 0) throw new Error(`migrating the Zero arm's database failed: ${migrate.stderr}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('create publication zero_todos for table todos');
  } finally {
    await client.end();
  }
}

/** Starts zero-cache (its own process group: it forks workers) and waits until its dispatcher answers. */
async function startZeroCache(
  dir: string,
  config: { databaseUrl: string; cachePort: number; apiUrl: string },
): Promise<() => Promise<void>> {
  const replicaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-zero-replica-'));
  const child = spawn(process.execPath, ['node_modules/@rocicorp/zero/out/zero/src/cli.js'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ZERO_UPSTREAM_DB: config.databaseUrl,
      ZERO_REPLICA_FILE: path.join(replicaDir, 'replica.db'),
      ZERO_PORT: String(config.cachePort),
      ZERO_CHANGE_STREAMER_PORT: String(await freePort()),
      ZERO_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
      ZERO_APP_PUBLICATIONS: 'zero_todos',
      ZERO_MUTATE_URL: `${config.apiUrl}/api/mutate`,
      ZERO_QUERY_URL: `${config.apiUrl}/api/query`,
      ZERO_MUTATE_FORWARD_COOKIES: 'true',
      ZERO_QUERY_FORWARD_COOKIES: 'true',
      // The bench's "slow server" header rides on the page's WebSocket request; zero-cache forwards it to pushes.
      ZERO_MUTATE_ALLOWED_REQUEST_HEADERS: 'x-test-delay-ms,x-test-delay-token',
      // One sync worker: the machine has 2 cores, shared with the browser and the API server.
      ZERO_NUM_SYNC_WORKERS: '1',
      ZERO_LOG_LEVEL: 'warn',
      ZERO_ENABLE_TELEMETRY: 'false',
    },
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    forget();
    if (!exited) {
      signal('SIGTERM');
      const gone = await Promise.race([exit.then(() => true), sleep(15_000).then(() => false)]);
      if (!gone) signal('SIGKILL');
    }
    child.stdout.destroy();
    child.stderr.destroy();
    fs.rmSync(replicaDir, { recursive: true, force: true });
  };
  const forget = onInterrupt(stop);
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline && !exited) {
    const ok = await fetch(`http://127.0.0.1:${config.cachePort}/`, {
      signal: AbortSignal.timeout(2_000),
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return stop;
    await sleep(250);
  }
  await stop();
  throw new Error(`zero-cache did not become ready: ${output.join('').slice(-2_000)}`);
}
