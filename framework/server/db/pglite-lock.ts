/**
 * An exclusive, process-level lock on a PGlite data folder.
 *
 * PGlite has no lock of its own: two processes that open one folder each work on a private copy, one's writes are
 * silently lost and the folder can be left unreadable. So every opener takes this lock first, and a second live
 * process is refused with a message that names the holder. A holder that has died (crash, SIGKILL) does not block:
 * its lock is detected as stale by PID (and, on Linux, by the process start time, so a recycled PID is not mistaken
 * for the holder) and taken over. A holder on another host (another container on a shared volume) cannot be checked
 * by PID, so the holder refreshes the lock file's modification time every few seconds (a heartbeat), and a lock from
 * another host whose heartbeat is older than {@link STALE_AFTER_MS} is taken over, with a log line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { realFolderPath } from './pglite-folder';

/** How often a holder refreshes its lock file's modification time. */
export const HEARTBEAT_MS = 10_000;
/**
 * A lock from another host not refreshed for this long is stale. Many heartbeats long, so that a busy event loop
 * (a long migration) or a little clock skew between hosts is never mistaken for a dead holder.
 */
export const STALE_AFTER_MS = 60_000;

/** Timing of the heartbeat; tests shorten it. */
export interface LockTiming {
  heartbeatMs?: number;
  staleAfterMs?: number;
}

interface LockRecord {
  pid: number;
  /** Kernel start time of the holder (Linux `/proc/<pid>/stat` field 22); null where /proc is absent. */
  startTime: string | null;
  hostname: string;
  command: string;
  acquiredAt: string;
}

/** Thrown when another live process holds the folder. */
export class PgliteFolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly holder: LockRecord,
  ) {
    super(
      `PGlite data folder "${folder}" is in use by process ${holder.pid} (${holder.command}) on ${holder.hostname}, ` +
        `since ${holder.acquiredAt}. PGlite cannot be shared between processes: a second opener would silently lose ` +
        `data. Stop process ${holder.pid} first, or point PGLITE_DIR at another folder, or set DATABASE_URL to use ` +
        `a PostgreSQL server that several processes can share.`,
    );
    this.name = 'PgliteFolderInUseError';
  }
}

/** A held lock. `release()` is idempotent and also runs when the process exits. */
export interface PgliteFolderLock {
  readonly lockFile: string;
  release(): void;
}

/**
 * The lock file sits beside the folder (not inside), so PGlite always sees the folder exactly as it left it; beside
 * its real path, so a symbolic link to the folder and the folder itself share one lock.
 */
export function lockFileFor(folder: string): string {
  return `${realFolderPath(folder)}.lock`;
}

function readStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null; // No /proc (macOS) or no such process: the caller decides what that means.
  }
}

function commandOf(pid: number): string {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length > 0) return argv.join(' ').slice(0, 200);
  } catch {
    // Not Linux: fall back to what the holder recorded.
  }
  return pid === process.pid ? process.argv.join(' ').slice(0, 200) : 'unknown command';
}

/** Milliseconds since `file` was last refreshed by its holder; Infinity when it is gone. */
function heartbeatAge(file: string): number {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat ? Date.now() - stat.mtimeMs : Number.POSITIVE_INFINITY;
}

function isAlive(record: LockRecord, file: string, staleAfterMs: number): boolean {
  // Another host's PIDs mean nothing here: its holder is live as long as it keeps the heartbeat fresh.
  if (record.hostname !== os.hostname()) return heartbeatAge(file) < staleAfterMs;
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (record.startTime === null) return true;
  const current = readStartTime(record.pid);
  return current === null || current === record.startTime;
}

function readRecord(file: string): LockRecord | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockRecord;
  } catch {
    return null; // Missing, or half-written by a holder that died mid-write: both count as no live holder.
  }
}

/** Atomically creates `file` with `contents`, failing with EEXIST when it exists (no half-written lock visible). */
function createExclusive(file: string, contents: string): boolean {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temp, contents);
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Takes the lock on `folder` for this process, or throws {@link PgliteFolderInUseError} naming the live holder.
 */
export function acquirePgliteFolderLock(folder: string, timing: LockTiming = {}): PgliteFolderLock {
  const staleAfterMs = timing.staleAfterMs ?? STALE_AFTER_MS;
  const absolute = realFolderPath(folder);
  const lockFile = lockFileFor(absolute);
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const record: LockRecord = {
    pid: process.pid,
    startTime: readStartTime(process.pid),
    hostname: os.hostname(),
    command: commandOf(process.pid),
    acquiredAt: new Date().toISOString(),
  };
  const contents = JSON.stringify(record, null, 2);

  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(lockFile, contents)) return holdLock(lockFile, timing.heartbeatMs ?? HEARTBEAT_MS);
    const holder = readRecord(lockFile);
    // Same PID and host but another start time: a previous incarnation, as when a container restarts on a kept
    // volume with the same hostname (its server is PID 1 every time). That is a stale lock, handled below.
    if (
      holder &&
      holder.pid === process.pid &&
      holder.hostname === record.hostname &&
      holder.startTime === record.startTime
    ) {
      throw new Error(
        `PGlite data folder "${absolute}" is already open in this process; open it once and share the instance.`,
      );
    }
    if (holder && isAlive(holder, lockFile, staleAfterMs)) throw new PgliteFolderInUseError(absolute, holder);
    // Stale: move it aside under a unique name (rename is atomic, so only one contender wins it), then retry.
    const aside = `${lockFile}.stale.${process.pid}.${attempt}`;
    try {
      fs.renameSync(lockFile, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      continue; // Someone else moved it first.
    }
    const moved = readRecord(aside);
    if (moved && isAlive(moved, aside, staleAfterMs)) {
      // We raced with a live process that took the lock between our read and our rename: give it back.
      fs.renameSync(aside, lockFile);
      throw new PgliteFolderInUseError(absolute, moved);
    }
    if (moved && moved.hostname !== record.hostname) {
      console.warn(
        `[db] Taking over the lock on PGlite data folder "${absolute}" from process ${moved.pid} on host ` +
          `${moved.hostname}: its heartbeat stopped ${Math.round(heartbeatAge(aside) / 1000)} s ago ` +
          `(limit ${Math.round(staleAfterMs / 1000)} s), so that host or container is gone.`,
      );
    }
    fs.rmSync(aside, { force: true });
  }
  throw new Error(
    `Could not take the lock on PGlite data folder "${absolute}" (${lockFile}) after several tries.`,
  );
}

function holdLock(lockFile: string, heartbeatMs: number): PgliteFolderLock {
  let held = true;
  const heartbeat = setInterval(() => {
    const current = readRecord(lockFile);
    if (current?.pid !== process.pid || current.hostname !== os.hostname()) {
      // Only a holder silent for STALE_AFTER_MS loses its lock; say so loudly rather than refresh another's.
      console.error(
        `[db] Lost the lock file ${lockFile} (now held by ${current ? `process ${current.pid} on ${current.hostname}` : 'nobody'}); ` +
          'another process may be writing this PGlite folder. Stop this process.',
      );
      clearInterval(heartbeat);
      return;
    }
    const now = new Date();
    try {
      fs.utimesSync(lockFile, now, now);
    } catch (error) {
      console.error(`[db] Could not refresh the heartbeat of ${lockFile}: ${(error as Error).message}`);
    }
  }, heartbeatMs);
  heartbeat.unref(); // The heartbeat alone must not keep the process alive.
  const release = () => {
    if (!held) return;
    held = false;
    clearInterval(heartbeat);
    process.off('exit', release);
    const current = readRecord(lockFile);
    if (current?.pid === process.pid) fs.rmSync(lockFile, { force: true });
  };
  process.on('exit', release);
  return { lockFile, release };
}
