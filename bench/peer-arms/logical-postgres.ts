/**
 * A throwaway PostgreSQL cluster with `wal_level=logical`, for peers that replicate from the database (Zero's
 * zero-cache). The shared server at 127.0.0.1:5432 runs with `wal_level=replica` and is not ours to reconfigure,
 * so the bench starts its own with the Debian binaries (`/usr/lib/postgresql/<major>/bin`): initdb into a
 * temporary folder, on a free port, stopped and removed afterwards (also on Ctrl-C). initdb refuses to run as root,
 * so as root it runs as the `postgres` user that the Debian package creates.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onInterrupt } from '../support/interrupt';
import { freePort } from '../support/server';

export interface LogicalCluster {
  /** postgres://postgres@127.0.0.1:<port>/<database> for a database on the cluster. */
  url(database: string): string;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or why there is none. */
export function postgresBinaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((name) => fs.existsSync(path.join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(`no PostgreSQL server binaries under ${root} (apt-get install -y postgresql)`);
  }
  return path.join(root, majors[0] ?? '', 'bin');
}

export async function startLogicalCluster(): Promise<LogicalCluster> {
  const bin = postgresBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-logical-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chown', ['postgres:postgres', dir]);
  const run = (command: string, args: string[]) => {
    const [file, fileArgs] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
      : [command, args];
    const result = spawnSync(file, fileArgs, { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) {
      throw new Error(
        `${path.basename(command)} failed (${result.status}): ${result.stderr || result.stdout}`,
      );
    }
  };
  const data = path.join(dir, 'data');
  const port = await freePort();
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    run(path.join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10`,
      'start',
    ]);
  } catch (error) {
    remove();
    throw error;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    forget();
    try {
      run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    } finally {
      remove();
    }
  };
  const forget = onInterrupt(stop);
  return { url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`, stop };
}
