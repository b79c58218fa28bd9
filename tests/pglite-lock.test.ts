/**
 * Two processes on one PGlite folder silently lose data, so a second process must be refused with a message naming
 * the holder, and a dead holder must not block.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db/open';
import { acquirePgliteFolderLock, lockFileFor, PgliteFolderInUseError } from '@/db/pglite-lock';

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
  it('refuses a second process while this one holds the folder, naming this process', async () => {
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
  });

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
