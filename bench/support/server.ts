/**
 * Starts the production build (`next start`) on a database of the bench's choosing and stops it again. Benches
 * measure what users get, so never `next dev`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchDatabase } from './databases';
import { onInterrupt } from './interrupt';

export interface RunningServer {
  readonly url: string;
  /** Stops the server (its whole process group) and waits until it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

const SESSION_SECRET = 'bench-session-secret-with-at-least-32-chars';

/** A port nobody listens on right now (the OS picks it), so parallel benches and e2e runs do not collide. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export async function waitForHealth(url: string, timeoutMs: number, exited?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited?.()) {
    const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(250);
  }
  throw new Error(
    exited?.()
      ? `the server exited before ${url} became healthy`
      : `${url} did not become healthy within ${timeoutMs} ms`,
  );
}

/** `next start` on `database` with extra environment variables; fails with the server's output if it never gets healthy. */
export async function startProductionServer(options: {
  /** The directory holding the build (a snapshot, see build-snapshot.ts). */
  appDir: string;
  database: BenchDatabase;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<RunningServer> {
  const port = await freePort();
  const { config } = options.database;
  // Node flags for the server alone (BENCH_SERVER_NODE_FLAGS, space-separated, e.g. to compare V8 heap settings),
  // and a CPU profile of it, written when it stops (see the README); `node` here is the project's Node.
  const profileDir = process.env.BENCH_CPU_PROF;
  const nodeFlags = [
    ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ];
  const args =
    nodeFlags.length > 0
      ? ['node', ...nodeFlags, `${process.cwd()}/node_modules/next/dist/bin/next`]
      : ['next'];
  const server = spawn('npx', [...args, 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: options.appDir,
    env: {
      ...process.env,
      ...('postgresUrl' in config
        ? { DATABASE_URL: config.postgresUrl, PGLITE_DIR: '' }
        : { DATABASE_URL: '', PGLITE_DIR: config.pgliteDir }),
      SESSION_SECRET,
      // Required in production (`next start`); benches send no mail, so nothing listens there.
      SMTP_URL: 'smtp://127.0.0.1:1',
      MAIL_FROM: 'app@starter.test',
      NEXT_TELEMETRY_DISABLED: '1',
      // Every client of a bench comes from 127.0.0.1: far more new visitors than one address's default.
      NEW_VISITOR_RATE_LIMIT: '1000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it also stops the node process npx starts.
    detached: true,
  });
  // The tail of its output, to explain a failed start.
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    server.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    forget();
    if (!exited && server.pid) {
      signalGroup(server.pid, 'SIGTERM');
      const gone = await Promise.race([exit.then(() => true), sleep(10_000).then(() => false)]);
      if (!gone && !exited) signalGroup(server.pid, 'SIGKILL');
    }
    server.stdout.destroy();
    server.stderr.destroy();
  };

  const forget = onInterrupt(() => stop());
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, options.timeoutMs ?? 90_000, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}. Server output:\n${output.join('').slice(-4_000)}`, {
      cause: error,
    });
  }
  return { url, stop };
}

/** Signals the process group we started; it may have ended on its own meanwhile. */
function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Source files changed after `builtAtMs` (the first few): a stale build measures old code. */
export function sourcesNewerThan(builtAtMs: number, limit = 5): string[] {
  const newer: string[] = [];
  for (const root of [
    'app',
    'client',
    'server',
    'mutators',
    'db',
    'proxy.ts',
    'instrumentation.ts',
    'next.config.ts',
  ]) {
    if (!fs.existsSync(root)) continue;
    const files = fs.statSync(root).isDirectory()
      ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((file) => `${root}/${file}`)
      : [root];
    for (const file of files) {
      if (newer.length >= limit) return newer;
      // Undefined when the file went away since the listing (someone is editing): not newer, then.
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat?.isFile() && stat.mtimeMs > builtAtMs) newer.push(file);
    }
  }
  return newer;
}
