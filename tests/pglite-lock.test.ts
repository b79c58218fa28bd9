/**
 * Two processes on one PGlite folder silently lose data, so a second process must be refused with a message naming
 * the holder, and a dead holder must not block.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import { sql } from 'drizzle-orm';
import {
  acquirePgliteFolderLock,
  lockFileFor,
  PgliteFolderInUseError,
} from '@/framework/server/db/pglite-lock';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const folders: string[] = [];

function tempFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-lock-'));
  folders.push(folder);
  return path.join(folder, 'db');
}

afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

/** Runs `npm run db:migrate`'s script in a separate process against `dir`. */
function migrateInAnotherProcess(dir: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [tsxCli, 'scripts/db-migrate.ts'], {
      env: { ...process.env, PGLITE_DIR: dir, DATABASE_URL: '' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('PGlite folder lock', () => {
  // A new folder, then two more processes that each start tsx and open it: slow on a busy machine.
  it(
    'refuses a second process while this one holds the folder, naming this process',
    { timeout: 90_000 },
    async () => {
      const dir = tempFolder();
      const handle = await openDatabase({ pgliteDir: dir });
      try {
        const { code, output } = await migrateInAnotherProcess(dir);
        expect(code).toBe(1);
        expect(output).toContain(`is in use by process ${process.pid}`);
        expect(output).toContain(path.resolve(dir));
      } finally {
        await handle.close();
      }
      // Once released, the other process gets in.
      const after = await migrateInAnotherProcess(dir);
      expect(after.output).toContain('Migrations applied');
      expect(after.code).toBe(0);
    },
  );

  it('refuses a second opener in the same process too', async () => {
    const dir = tempFolder();
    const lock = acquirePgliteFolderLock(dir);
    try {
      expect(() => acquirePgliteFolderLock(dir)).toThrow(/already open in this process/);
    } finally {
      lock.release();
    }
  });

  it('takes over the lock of a process that died', async () => {
    const dir = tempFolder();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(
      lockFileFor(dir),
      JSON.stringify({
        pid: deadPid,
        startTime: '1',
        hostname: os.hostname(),
        command: 'node',
        acquiredAt: 'x',
      }),
    );
    const handle = await openDatabase({ pgliteDir: dir });
    await handle.close();
    expect(fs.existsSync(lockFileFor(dir))).toBe(false);
  });

  it('treats a live PID with a different start time as a recycled PID, not the holder', () => {
    const dir = tempFolder();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const record = {
      pid: process.ppid,
      startTime: 'not-its-start-time',
      hostname: os.hostname(),
      command: 'x',
    };
    fs.writeFileSync(lockFileFor(dir), JSON.stringify({ ...record, acquiredAt: 'x' }));
    const lock = acquirePgliteFolderLock(dir);
    lock.release();
  });

  it('takes over a lock left with its own PID by an earlier process (a container restarted on its volume)', () => {
    const dir = tempFolder();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const record = { pid: process.pid, startTime: 'an-earlier-start', hostname: os.hostname(), command: 'x' };
    fs.writeFileSync(lockFileFor(dir), JSON.stringify({ ...record, acquiredAt: 'x' }));
    const lock = acquirePgliteFolderLock(dir);
    lock.release();
  });

  it('reports the holder in the error it throws', () => {
    const dir = tempFolder();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const holder = { pid: process.ppid, startTime: null, hostname: os.hostname(), command: 'npm test' };
    fs.writeFileSync(lockFileFor(dir), JSON.stringify({ ...holder, acquiredAt: '2026-01-01T00:00:00Z' }));
    let caught: unknown;
    try {
      acquirePgliteFolderLock(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PgliteFolderInUseError);
    expect((caught as Error).message).toContain(`in use by process ${process.ppid} (npm test)`);
  });
});

describe('issue 12 item 16: a lock from another host is judged by its heartbeat', () => {
  function writeForeignLock(dir: string, ageMs: number) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const record = { pid: 1, startTime: '1', hostname: 'container-that-is-gone', command: 'next-server' };
    fs.writeFileSync(lockFileFor(dir), JSON.stringify({ ...record, acquiredAt: '2026-01-01T00:00:00Z' }));
    const then = new Date(Date.now() - ageMs);
    fs.utimesSync(lockFileFor(dir), then, then);
  }

  it('item 16: a lock from another host whose heartbeat stopped is taken over, with a log line', () => {
    const dir = tempFolder();
    writeForeignLock(dir, 5 * 60_000);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const lock = acquirePgliteFolderLock(dir);
      expect(JSON.parse(fs.readFileSync(lock.lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
      lock.release();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/process 1 on host container-that-is-gone/));
    } finally {
      warn.mockRestore();
    }
  });

  it('item 16: a lock from another host with a fresh heartbeat is refused', () => {
    const dir = tempFolder();
    writeForeignLock(dir, 1_000);
    expect(() => acquirePgliteFolderLock(dir)).toThrow(PgliteFolderInUseError);
  });

  it('item 16: the holder keeps its heartbeat fresh', async () => {
    const dir = tempFolder();
    const lock = acquirePgliteFolderLock(dir, { heartbeatMs: 20 });
    try {
      const old = new Date(Date.now() - 5 * 60_000);
      fs.utimesSync(lock.lockFile, old, old);
      await vi.waitFor(() => expect(Date.now() - fs.statSync(lock.lockFile).mtimeMs).toBeLessThan(60_000));
    } finally {
      lock.release();
    }
  });
});

describe('issue 12 item 16: a PGLITE_DIR that is a symbolic link', () => {
  it('item 16: opens through a link to a folder, and the link and the folder share one lock', async () => {
    const real = tempFolder();
    fs.mkdirSync(real, { recursive: true });
    const link = path.join(path.dirname(real), 'link-to-db');
    fs.symlinkSync(real, link);
    const handle = await openDatabase({ pgliteDir: link });
    try {
      await handle.db.execute(sql`CREATE TABLE through_link (note text)`);
      await handle.db.execute(sql`INSERT INTO through_link VALUES ('written through the link')`);
      expect(() => acquirePgliteFolderLock(real)).toThrow(/already open in this process/);
    } finally {
      await handle.close();
    }
    const again = await openDatabase({ pgliteDir: real });
    try {
      const { rows } = await again.db.execute<{ note: string }>(sql`SELECT note FROM through_link`);
      expect(rows).toEqual([{ note: 'written through the link' }]);
    } finally {
      await again.close();
    }
  });

  it('item 16: a link to a missing folder fails with a message naming both, not "[object Object]"', async () => {
    const parent = path.dirname(tempFolder());
    fs.mkdirSync(parent, { recursive: true });
    const link = path.join(parent, 'dangling');
    fs.symlinkSync(path.join(parent, 'missing'), link);
    const opening = openDatabase({ pgliteDir: link });
    await expect(opening).rejects.toThrow(/is a symbolic link to ".*missing", which does not exist/);
    await expect(opening).rejects.not.toThrow(/object Object/);
  });
});
