/**
 * The app's tables: drizzle `pg-core` tables for PGlite and PostgreSQL alike, beside the framework's own
 * (framework/server/schema.ts). A table declared with `syncedTable(…)` flows to clients under its export name; any
 * other table is server-only. After editing, run `npm run db:generate` and commit the migration it writes to
 * db/migrations.
 */
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '@/framework/server/schema';

/** Better Auth's tables (users who can sign in, sessions, accounts, verification links, its rate limits). */
export * from './auth-schema';

// example:start — the todo example's table (scripts/remove-example.ts deletes the lines between these markers)
export * from './todos';
// example:end

/**
 * Per-user model settings, server-only: an action reads them (generate-with-AI); no query, feed or client store
 * ever carries them. `apiKey` is the user's own provider key, used instead of the server's when set.
 */
export const providerSettings = pgTable('provider_settings', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  model: text('model'),
  systemPrompt: text('system_prompt'),
  apiKey: text('api_key'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The copilot's conversations: several per user, each its AI SDK UI messages as the chat panel shows them. Not
 * synced (tool results and what the user typed stay out of the change log, rule 10): the chat endpoint writes a
 * thread and the `copilot.threads` queries read, rename and delete them, for their owner only. A thread's id is
 * made by the panel and scoped to its user (part of the primary key), so one user's id never names another's thread.
 */
export const copilotThreads = pgTable(
  'copilot_threads',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    title: text('title').notNull(),
    messages: jsonb('messages').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.id] }),
    index('copilot_threads_user_updated').on(table.userId, table.updatedAt),
  ],
);

/**
 * Copilot answers in progress, so that a reload or a dropped connection resumes one where it was and a second tab
 * on the thread sees the same answer (server/copilot/stream-log.ts). An answer is generated once, whoever listens;
 * its UI message chunks are logged here as they are made and replayed to whoever (re)connects. Finished answers
 * are in the thread; their streams and chunks are deleted an hour later.
 */
export const copilotStreams = pgTable(
  'copilot_streams',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    threadId: text('thread_id').notNull(),
    /** streaming → done; `stopping` when the user pressed Stop (the generating process stops it). */
    status: text('status', { enum: ['streaming', 'stopping', 'done'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('copilot_streams_thread').on(table.userId, table.threadId, table.createdAt)],
);

export const copilotStreamChunks = pgTable(
  'copilot_stream_chunks',
  {
    streamId: text('stream_id')
      .notNull()
      .references(() => copilotStreams.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    chunk: jsonb('chunk').notNull(),
  },
  (table) => [primaryKey({ columns: [table.streamId, table.seq] })],
);

/**
 * API tokens for scripts and MCP clients (`Authorization: Bearer …`). Only a SHA-256 hash of each token is stored:
 * the token itself is shown once, when it is made. Revoked tokens stay (with `revokedAt`) so the list tells what
 * happened; they no longer authenticate.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the whole token, hex. Tokens are 256 random bits, so a fast hash is enough. */
    tokenHash: text('token_hash').notNull().unique(),
    /** The first characters of the token, to tell tokens apart in the list. */
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [index('api_tokens_user_idx').on(table.userId)],
);

/**
 * The dev mailbox (server/mail/dev-mailbox.ts): mails the app would have sent, kept when no SMTP server is
 * configured in development and tests, and listed on /dev/mailbox. In the database rather than in memory so that
 * every process (web, worker) and a restart see the same mailbox. Only the newest 50 are kept; never written in
 * production. Server-only: mails carry sign-in links.
 */
export const devMails = pgTable('dev_mails', {
  /** Increasing in insertion order: "newest first" and "keep the newest 50" need no clock. */
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  to: text('to').notNull(),
  subject: text('subject').notNull(),
  text: text('text').notNull(),
  html: text('html'),
  sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
});
