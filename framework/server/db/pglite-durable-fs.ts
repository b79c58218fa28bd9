/**
 * Makes a folder-backed PGlite durable: a commit is answered only once its WAL is on disk.
 *
 * Why this file exists (checked in @electric-sql/pglite 0.5.16):
 * - PGlite starts PostgreSQL with `-F` (fsync off) by default, so PostgreSQL never even asks for a flush.
 * - Turning fsync on is not enough. In Emscripten's Node filesystem (NODEFS) `fsync()` lands in `_fd_sync`, which
 *   calls `stream_ops.fsync` — a method NODEFS does not have, so it silently succeeds without touching the disk —
 *   and `fdatasync()` is a stub that only validates the descriptor.
 * So this filesystem gives NODEFS the missing `fsync` (a real fsync(2) of the host file), and PostgreSQL is started
 * with fsync on and `wal_sync_method=fsync`, the one method whose call reaches that hook. PostgreSQL then flushes
 * what it would flush on a server: the WAL before COMMIT returns, data files and directories at checkpoints.
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * Published after every real fsync of a file in a durable PGlite folder, with `{ path }` (the path inside PGlite's
 * file system, e.g. `/pglite/data/pg_wal/…`). Lets tests (and operators' tooling) see flushes without strace.
 */
export const PGLITE_FSYNC_CHANNEL = 'starter.pglite.fsync';

/** The message published on {@link PGLITE_FSYNC_CHANNEL}. */
export interface PgliteFsyncMessage {
  path: string;
}

const fsyncChannel = diagnostics.channel(PGLITE_FSYNC_CHANNEL);

/** PGlite's own start parameters, with fsync turned on and routed through `fsync()` (see the file comment). */
export const DURABLE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
  '-c',
  'synchronous_commit=on',
];

/** The part of an Emscripten stream this file uses. */
interface EmscriptenStream {
  nfd: number;
  path?: string;
}

interface StreamOps {
  fsync?: (stream: EmscriptenStream) => number | undefined;
}

function nodefsStreamOps(module: unknown): StreamOps {
  const nodefs = (module as { NODEFS?: { stream_ops?: StreamOps } }).NODEFS;
  if (!nodefs?.stream_ops || typeof nodefs.stream_ops !== 'object') {
    // A PGlite upgrade changed its internals: refuse to run "durable" without a way to flush.
    throw new Error(
      'PGlite no longer exposes NODEFS.stream_ops, so commits cannot be flushed to disk. ' +
        'Update framework/server/db/pglite-durable-fs.ts for this PGlite version, or set PGLITE_DURABILITY=relaxed to accept the risk.',
    );
  }
  return nodefs.stream_ops;
}

/** PGlite's Node filesystem whose `fsync()` reaches the disk. Use with {@link DURABLE_START_PARAMS}. */
export class DurableNodeFS extends NodeFS {
  override async init(
    pg: Parameters<NodeFS['init']>[0],
    options: Parameters<NodeFS['init']>[1],
  ): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(pg, options);
    const installFsync = (module: unknown) => {
      nodefsStreamOps(module).fsync = (stream) => {
        fs.fsyncSync(stream.nfd);
        if (fsyncChannel.hasSubscribers) {
          fsyncChannel.publish({ path: stream.path ?? '' } satisfies PgliteFsyncMessage);
        }
        return 0;
      };
    };
    return {
      emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), installFsync] },
    };
  }
}

/**
 * fsyncs every file and folder under `folder`, then the folder's own entry in its parent. PGlite creates a new
 * cluster by unpacking initdb's output through plain writes, which PostgreSQL never flushes afterwards (it syncs
 * the whole data directory only when recovering from a crash); WAL replay after a power cut needs those files.
 * So a new folder is flushed once, before its first commit can be acknowledged. In parallel (libuv's thread pool),
 * a bounded number at a time: one by one, a thousand fsyncs take seconds; together, a fraction of one.
 */
export async function flushFolderTree(folder: string): Promise<void> {
  const entries: string[] = [];
  const walk = (entry: string) => {
    const stat = fs.lstatSync(entry);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(entry)) walk(path.join(entry, name));
    } else if (!stat.isFile()) {
      return; // Sockets, links: nothing PostgreSQL's recovery reads through them.
    }
    entries.push(entry);
  };
  walk(folder);
  entries.push(path.dirname(folder));
  for (let start = 0; start < entries.length; start += FLUSH_CONCURRENCY) {
    await Promise.all(entries.slice(start, start + FLUSH_CONCURRENCY).map(flushEntry));
  }
}

/** Open descriptors at once while flushing a folder: far below any usual limit on open files. */
const FLUSH_CONCURRENCY = 64;

async function flushEntry(entry: string): Promise<void> {
  const handle = await fs.promises.open(entry, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
