import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';

test('a second process cannot open the running server’s PGlite folder', () => {
  const dir = process.env.E2E_PGLITE_DIR ?? '';
  expect(dir).not.toBe('');
  const result = spawnSync('npm', ['run', '--silent', 'db:migrate'], {
    env: { ...process.env, PGLITE_DIR: dir, DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/is in use by process \d+ \(next-server/);
});
