/**
 * A server that cannot run correctly must not start: it exits with a message naming the cause.
 * These start a second `next start` from the same build beside the one under test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';

function startServer(env: Record<string, string>, port: number) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('npx', ['next', 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
      env: { ...process.env, DATABASE_URL: '', ...env },
      // Its own process group: on a timeout the whole group (npx and its next-server) is killed, not just npx.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`next start did not exit within 30 s:\n${output}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('start-up stops with a message naming a missing production variable', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-env-'));
  try {
    const { code, output } = await startServer(
      { PGLITE_DIR: path.join(dir, 'db'), SESSION_SECRET: '' },
      3191,
    );
    expect(code).toBe(1);
    expect(output).toContain('SESSION_SECRET: is required in production');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a second server on the running server’s PGlite folder stops and names the holder', async () => {
  const { code, output } = await startServer(
    { PGLITE_DIR: process.env.E2E_PGLITE_DIR ?? '', SESSION_SECRET: 'x'.repeat(40) },
    3192,
  );
  expect(code).toBe(1);
  expect(output).toMatch(/is in use by process \d+ \(next-server/);
});

test('item 10: start-up refuses ALLOW_TEST_DELAY=1 in production without TEST_DELAY_TOKEN', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-delay-'));
  try {
    const { code, output } = await startServer(
      {
        PGLITE_DIR: path.join(dir, 'db'),
        SESSION_SECRET: 'x'.repeat(40),
        ALLOW_TEST_DELAY: '1',
        TEST_DELAY_TOKEN: '',
      },
      3193,
    );
    expect(code).toBe(1);
    expect(output).toContain('ALLOW_TEST_DELAY: must not be 1 in production');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
