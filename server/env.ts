/**
 * The one place where environment variables are read and validated (documented in .env.example).
 * A missing or malformed variable stops start-up with a message that names it.
 */
import { z } from 'zod';
import type { DatabaseConfig } from '@/framework/server';

/** Used only outside production so that `npm run dev` works on a fresh clone with no set-up. */
const DEVELOPMENT_SESSION_SECRET = 'development-only-session-secret-do-not-use-in-production';

/** An unset variable and an empty one mean the same: "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** `scheme://host[:port]` and nothing else (an Origin header never has a path, query or trailing slash). */
const origin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
    } catch {
      return false; // Not a URL at all: the refinement's message names the variable.
    }
  },
  { error: (issue) => `"${String(issue.input)}" is not an origin such as https://app.example.com` },
);

/** `user@host` or `Display Name <user@host>`: what a From header may hold (one mailbox). */
function isMailbox(value: string): boolean {
  if (/[\r\n]/.test(value)) return false;
  const named = /^[^<>]*<([^<>]+)>$/.exec(value.trim());
  return z.email().safeParse(named ? named[1] : value.trim()).success;
}

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: optional(
      z.url({
        protocol: /^postgres(ql)?$/,
        error: 'must be a PostgreSQL URL such as postgres://user:password@host:5432/database',
      }),
    ),
    /**
     * A direct (session) connection to the same database, for LISTEN and the migration lock, when DATABASE_URL goes
     * through a transaction-mode pooler. Start-up detects such a pooler and refuses without this.
     */
    DATABASE_DIRECT_URL: optional(
      z.url({
        protocol: /^postgres(ql)?$/,
        error: 'must be a PostgreSQL URL such as postgres://user:password@db-host:5432/database',
      }),
    ),
    PGLITE_DIR: optional(z.string()).transform((dir) => dir ?? '.data/pglite'),
    /** `durable` (default): every PGlite commit is flushed to disk before it is answered. `relaxed`: fsync off. */
    PGLITE_DURABILITY: optional(z.enum(['durable', 'relaxed'])).transform((value) => value ?? 'durable'),
    /** Lets requests ask for a server-side delay of mutations (x-test-delay-ms). Tests only; never in production. */
    ALLOW_TEST_DELAY: optional(z.enum(['0', '1'])).transform((value) => value === '1'),
    /**
     * With ALLOW_TEST_DELAY=1, only requests carrying this value in x-test-delay-token are delayed. Required for
     * ALLOW_TEST_DELAY=1 in production, which is what e2e tests of the production build run as.
     */
    TEST_DELAY_TOKEN: optional(
      z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 24)'),
    ),
    /** Which AI provider to use; unset = the first configured of openai-compatible, openai, anthropic. */
    AI_PROVIDER: optional(z.enum(['openai', 'anthropic', 'openai-compatible'])),
    /** Model id for the chosen provider (each has a default). */
    AI_MODEL: optional(z.string().min(1)),
    OPENAI_API_KEY: optional(z.string().min(1)),
    ANTHROPIC_API_KEY: optional(z.string().min(1)),
    /** Any OpenAI-compatible server: Ollama (http://localhost:11434/v1), LM Studio, vLLM, … */
    OPENAI_COMPATIBLE_BASE_URL: optional(z.url({ error: 'must be a URL such as http://localhost:11434/v1' })),
    OPENAI_COMPATIBLE_API_KEY: optional(z.string().min(1)),
    /** Queue tuning: how long a claimed run may go without a heartbeat before another worker takes it over. */
    /** Model calls one user may make per window, shared by all processes (copilot turns, drafts, generated todos). */
    MODEL_RATE_LIMIT: optional(z.coerce.number().int().min(1).max(1_000_000)),
    /** Email sign-in and sign-up attempts a minute per client address, counted in the database (default 10). */
    SIGN_IN_RATE_LIMIT: optional(z.coerce.number().int().min(1).max(1_000_000)),
    MODEL_RATE_WINDOW_SECONDS: optional(z.coerce.number().int().min(1).max(86_400)).transform(
      (value) => value ?? 60,
    ),
    /** The older name of MODEL_RATE_LIMIT (it limited only the copilot, per process); still read as its fallback. */
    COPILOT_RATE_LIMIT: optional(z.coerce.number().int().min(1).max(1_000_000)),
    /** New anonymous visitors (each a user with example todos) one client address may start per window. */
    NEW_VISITOR_RATE_LIMIT: optional(z.coerce.number().int().min(1).max(1_000_000)).transform(
      (value) => value ?? 20,
    ),
    NEW_VISITOR_WINDOW_SECONDS: optional(
      z.coerce
        .number()
        .int()
        .min(1)
        .max(86_400 * 7),
    ).transform((value) => value ?? 3_600),
    /**
     * Reverse proxies in front of the server that append the client's address to X-Forwarded-For. 0 (the default):
     * the connection's own address is the client's, and X-Forwarded-For (anyone can send one) is ignored.
     */
    TRUSTED_PROXY_HOPS: optional(z.coerce.number().int().min(0).max(10)).transform((value) => value ?? 0),
    /** Model steps (calls) in one copilot turn: each round of tool calls is a step. */
    COPILOT_MAX_STEPS: optional(z.coerce.number().int().min(1).max(50)).transform((value) => value ?? 6),
    /**
     * Action runs executing at once in this process. 0: this process runs no queue (web processes on serverless
     * hosts), and a long-lived `npm run worker` runs it instead.
     */
    ACTION_QUEUE_WORKERS: optional(z.coerce.number().int().min(0).max(100)).transform((value) => value ?? 4),
    ACTION_LEASE_MS: optional(z.coerce.number().int().min(1_000).max(600_000)).transform(
      (ms) => ms ?? 30_000,
    ),
    /**
     * When set, every response that passes the proxy carries `x-served-by: <value>`: shows which process behind a
     * load balancer answered (the topology test uses it to pin tabs to processes). Unset: no header.
     */
    SERVED_BY: optional(z.string().regex(/^[\w.:-]{1,64}$/, 'must be 1-64 letters, digits, or . : _ -')),
    /**
     * Ends each subscription (SSE response) after this long; the client reconnects with its last event id and misses
     * nothing. Set it below a host's response time limit (serverless platforms); unset = no limit.
     */
    SSE_MAX_DURATION_MS: optional(z.coerce.number().int().min(100).max(86_400_000)),
    /** How often an SSE stream opened with an API token re-checks it while idle (it also does before each batch). */
    STREAM_TOKEN_RECHECK_MS: optional(z.coerce.number().int().min(100).max(600_000)).transform(
      (ms) => ms ?? 5_000,
    ),
    /** Retention (framework/server/runtime/retention.ts): log versions always kept. */
    RETENTION_LOG_KEEP_VERSIONS: optional(z.coerce.number().int().min(1_000).max(100_000_000)).transform(
      (value) => value ?? 100_000,
    ),
    /** Retention: log commits older than this many hours are deleted even within the kept versions. */
    RETENTION_LOG_MAX_AGE_HOURS: optional(z.coerce.number().int().min(1).max(87_600)).transform(
      (value) => value ?? 168,
    ),
    /** Retention: client ids idle for this many days are forgotten. */
    RETENTION_CLIENT_IDLE_DAYS: optional(z.coerce.number().int().min(1).max(3_650)).transform(
      (value) => value ?? 30,
    ),
    /** Retention: finished action runs are deleted this many days after they finished. */
    RETENTION_FINISHED_RUNS_DAYS: optional(z.coerce.number().int().min(1).max(3_650)).transform(
      (value) => value ?? 7,
    ),
    /** Retention: seconds between passes of the job. */
    RETENTION_INTERVAL_SECONDS: optional(z.coerce.number().int().min(1).max(86_400)).transform(
      (value) => value ?? 60,
    ),
    SESSION_SECRET: optional(
      z.string().min(32, 'must be at least 32 characters (try: openssl rand -base64 32)'),
    ),
    /**
     * The SMTP server that sends the app's mail (verification and password-reset links): `smtp://` (STARTTLS when the
     * server offers it) or `smtps://` (TLS from the start), with credentials in the URL. Required in production;
     * unset in development and tests, mail is printed to the server log and kept in the dev mailbox (/dev/mailbox).
     */
    SMTP_URL: optional(
      z.url({
        protocol: /^smtps?$/,
        error: 'must be an SMTP URL such as smtps://user:password@smtp.example.com:465 (smtp:// or smtps://)',
      }),
    ),
    /** The sender of the app's mail: `app@example.com` or `Example App <app@example.com>`. Required with SMTP_URL. */
    MAIL_FROM: optional(
      z.string().refine(isMailbox, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a sender address such as app@example.com or "Example App <app@example.com>"`,
      }),
    ),
    /**
     * The app's public URL (e.g. https://app.example.com) for sign-in links in mails and OAuth callbacks. Unset: each
     * request's own origin. An https URL also makes the session cookie Secure (so does production without it).
     */
    BETTER_AUTH_URL: optional(origin),
    /** GitHub sign-in, when both are set (an OAuth app's client id and secret; docs/accounts.md). */
    GITHUB_CLIENT_ID: optional(z.string().min(1)),
    GITHUB_CLIENT_SECRET: optional(z.string().min(1)),
    /** Google sign-in, when both are set (an OAuth client's id and secret; docs/accounts.md). */
    GOOGLE_CLIENT_ID: optional(z.string().min(1)),
    GOOGLE_CLIENT_SECRET: optional(z.string().min(1)),
    /**
     * Origins besides the request's own (Host, or X-Forwarded-Host/-Proto behind a proxy) whose cookie-authenticated
     * requests may change state: comma-separated, e.g. `https://app.example.com,https://www.example.com`.
     */
    TRUSTED_ORIGINS: optional(z.string())
      .transform((list) =>
        (list ?? '')
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin)),
  })
  .transform((env, context) => {
    if (env.DATABASE_DIRECT_URL !== undefined && env.DATABASE_URL === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['DATABASE_DIRECT_URL'],
        message: 'is used only with DATABASE_URL (set both, or neither for PGlite)',
      });
      return z.NEVER;
    }
    if (env.SESSION_SECRET === undefined && env.NODE_ENV === 'production') {
      context.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required in production (try: openssl rand -base64 32)',
      });
      return z.NEVER;
    }
    for (const provider of ['GITHUB', 'GOOGLE'] as const) {
      const id = env[`${provider}_CLIENT_ID`];
      const secret = env[`${provider}_CLIENT_SECRET`];
      if ((id === undefined) !== (secret === undefined)) {
        // One without the other would show a sign-in button that can only fail.
        context.addIssue({
          code: 'custom',
          path: [id === undefined ? `${provider}_CLIENT_ID` : `${provider}_CLIENT_SECRET`],
          message: `is needed with ${id === undefined ? `${provider}_CLIENT_SECRET` : `${provider}_CLIENT_ID`} (set both, or neither)`,
        });
        return z.NEVER;
      }
    }
    if (env.ALLOW_TEST_DELAY && env.NODE_ENV === 'production' && env.TEST_DELAY_TOKEN === undefined) {
      // Any client could otherwise hold each of its mutations (and the connection pool with it) for 10 s.
      context.addIssue({
        code: 'custom',
        path: ['ALLOW_TEST_DELAY'],
        message:
          'must not be 1 in production: any client could hold every mutation for 10 s. Unset it; a test of the ' +
          'production build also sets TEST_DELAY_TOKEN and sends it in x-test-delay-token',
      });
      return z.NEVER;
    }
    if (env.SMTP_URL === undefined && env.NODE_ENV === 'production') {
      // Without it sign-up and password reset would silently send nothing (the dev mailbox is never used in production).
      context.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message:
          'is required in production: the app sends verification and password-reset links by mail ' +
          '(e.g. smtps://user:password@smtp.example.com:465; see docs/accounts-mail.md)',
      });
      return z.NEVER;
    }
    if (env.SMTP_URL !== undefined && env.MAIL_FROM === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['MAIL_FROM'],
        message:
          'is required with SMTP_URL: the sender of the app\'s mail, e.g. "Example App <app@example.com>"',
      });
      return z.NEVER;
    }
    const { COPILOT_RATE_LIMIT, ...rest } = env;
    return {
      ...rest,
      MODEL_RATE_LIMIT: env.MODEL_RATE_LIMIT ?? COPILOT_RATE_LIMIT ?? 20,
      SESSION_SECRET: env.SESSION_SECRET ?? DEVELOPMENT_SESSION_SECRET,
    };
  });

/** The validated environment. */
export type Env = z.output<typeof envSchema>;

/** Thrown for an invalid environment; its message lists every bad variable by name. */
export class InvalidEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment variables (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidEnvError';
  }
}

/** Validates a raw environment (exported for tests; app code calls {@link getEnv}). */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new InvalidEnvError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
}

/** Where this process's data lives: PostgreSQL when DATABASE_URL is set, else the PGlite folder. */
export function databaseConfigOf(env: Env): DatabaseConfig {
  if (!env.DATABASE_URL) return { pgliteDir: env.PGLITE_DIR, durability: env.PGLITE_DURABILITY };
  return { postgresUrl: env.DATABASE_URL, directUrl: env.DATABASE_DIRECT_URL };
}

let cached: Env | undefined;

/**
 * The process environment, validated on first use. Lazy on purpose: `next build` imports server modules without
 * the runtime secrets, and must not fail for lack of them.
 */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
