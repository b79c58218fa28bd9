/**
 * A server that cannot run correctly must not start: it exits with a message naming the cause.
 * These start a second server from the same build beside the one under test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_MAIL_ENV } from './support/mail-env';
import { spawnStandaloneServer } from './support/standalone-server';

function startServer(env: Record<string, string>, port: number) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    // Its own process group: on a timeout the whole group is killed.
    const child = spawnStandaloneServer(port, { DATABASE_URL: '', ...E2E_MAIL_ENV, ...env });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`the server did not exit within 30 s:\n${output}`));
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

test('start-up stops naming SMTP_URL when production has no SMTP server', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-smtp-'));
  try {
    const { code, output } = await startServer(
      { PGLITE_DIR: path.join(dir, 'db'), SESSION_SECRET: 'x'.repeat(40), SMTP_URL: '' },
      3194,
    );
    expect(code).toBe(1);
    expect(output).toContain('SMTP_URL: is required in production');
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
