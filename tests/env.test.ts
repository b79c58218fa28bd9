import { describe, expect, it } from 'vitest';
import { databaseConfigOf, InvalidEnvError, parseEnv } from '@/server/env';

function problems(raw: Record<string, string | undefined>): string {
  try {
    parseEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvError);
    return (error as Error).message;
  }
  throw new Error('expected parseEnv to reject');
}

describe('environment', () => {
  it('needs nothing in development: PGlite folder and a development secret by default', () => {
    const env = parseEnv({ NODE_ENV: 'development' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PGLITE_DIR).toBe('.data/pglite');
    expect(env.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv({ DATABASE_URL: '', PGLITE_DIR: '' }).PGLITE_DIR).toBe('.data/pglite');
  });

  it('names SESSION_SECRET when production lacks it', () => {
    expect(problems({ NODE_ENV: 'production' })).toMatch(/SESSION_SECRET: is required in production/);
  });

  it('names each malformed variable', () => {
    const message = problems({ DATABASE_URL: 'mysql://x@y/z', SESSION_SECRET: 'short', NODE_ENV: 'staging' });
    expect(message).toMatch(/DATABASE_URL: must be a PostgreSQL URL/);
    expect(message).toMatch(/SESSION_SECRET: must be at least 32 characters/);
    expect(message).toMatch(/NODE_ENV:/);
  });

  it('item 7: TRUSTED_ORIGINS is a comma-separated list of origins; anything else is named', () => {
    expect(parseEnv({}).TRUSTED_ORIGINS).toEqual([]);
    expect(
      parseEnv({ TRUSTED_ORIGINS: 'https://app.example.com, http://localhost:3000' }).TRUSTED_ORIGINS,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
    for (const bad of [
      'app.example.com',
      'https://app.example.com/',
      'https://a.example/path',
      'ftp://a.example',
    ]) {
      expect(problems({ TRUSTED_ORIGINS: bad })).toMatch(/TRUSTED_ORIGINS\.0: .* is not an origin/);
    }
  });

  it('accepts a PostgreSQL URL', () => {
    const env = parseEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
  });

  it('takes DATABASE_DIRECT_URL for sessions beside a pooled DATABASE_URL', () => {
    const env = parseEnv({
      DATABASE_URL: 'postgres://app@pooler:6432/app',
      DATABASE_DIRECT_URL: 'postgres://app@db:5432/app',
    });
    expect(databaseConfigOf(env)).toEqual({
      postgresUrl: 'postgres://app@pooler:6432/app',
      directUrl: 'postgres://app@db:5432/app',
    });
  });

  it('names DATABASE_DIRECT_URL when it is malformed or set without DATABASE_URL', () => {
    expect(
      problems({ DATABASE_URL: 'postgres://app@pooler:6432/app', DATABASE_DIRECT_URL: 'db:5432' }),
    ).toMatch(/DATABASE_DIRECT_URL: must be a PostgreSQL URL/);
    expect(problems({ DATABASE_DIRECT_URL: 'postgres://app@db:5432/app' })).toMatch(
      /DATABASE_DIRECT_URL: is used only with DATABASE_URL/,
    );
  });

  it('takes a process name for x-served-by, and refuses one that could break a header', () => {
    expect(parseEnv({ SERVED_BY: 'app-2' }).SERVED_BY).toBe('app-2');
    expect(parseEnv({ SERVED_BY: '' }).SERVED_BY).toBeUndefined();
    expect(problems({ SERVED_BY: 'app\r\nset-cookie: x' })).toMatch(/SERVED_BY: must be 1-64 letters/);
  });

  it('takes SSE_MAX_DURATION_MS as a whole number of milliseconds, unset by default', () => {
    expect(parseEnv({}).SSE_MAX_DURATION_MS).toBeUndefined();
    expect(parseEnv({ SSE_MAX_DURATION_MS: '55000' }).SSE_MAX_DURATION_MS).toBe(55_000);
    expect(problems({ SSE_MAX_DURATION_MS: '10' })).toMatch(/SSE_MAX_DURATION_MS:/);
    expect(problems({ SSE_MAX_DURATION_MS: 'soon' })).toMatch(/SSE_MAX_DURATION_MS:/);
  });
});

describe('issue 12 item 10: ALLOW_TEST_DELAY cannot be turned on in production by itself', () => {
  const production = {
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: 'app@example.com',
  } as const;

  it('item 10: refuses ALLOW_TEST_DELAY=1 under NODE_ENV=production, naming the variable', () => {
    expect(problems({ ...production, ALLOW_TEST_DELAY: '1' })).toMatch(
      /ALLOW_TEST_DELAY: must not be 1 in production/,
    );
  });

  it('item 10: accepts it in production only beside a TEST_DELAY_TOKEN of at least 32 characters', () => {
    expect(problems({ ...production, ALLOW_TEST_DELAY: '1', TEST_DELAY_TOKEN: 'short' })).toMatch(
      /TEST_DELAY_TOKEN: must be at least 32 characters/,
    );
    const env = parseEnv({ ...production, ALLOW_TEST_DELAY: '1', TEST_DELAY_TOKEN: 't'.repeat(32) });
    expect(env.ALLOW_TEST_DELAY).toBe(true);
    expect(env.TEST_DELAY_TOKEN).toBe('t'.repeat(32));
  });

  it('item 10: development and tests keep working without a token', () => {
    expect(parseEnv({ NODE_ENV: 'development', ALLOW_TEST_DELAY: '1' }).ALLOW_TEST_DELAY).toBe(true);
    expect(parseEnv({ NODE_ENV: 'test', ALLOW_TEST_DELAY: '1' }).ALLOW_TEST_DELAY).toBe(true);
    expect(parseEnv({ ...production, ALLOW_TEST_DELAY: '0' }).ALLOW_TEST_DELAY).toBe(false);
  });
});
