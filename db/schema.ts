/**
 * The app's tables: drizzle `pg-core` tables for PGlite and PostgreSQL alike, beside the framework's own
 * (framework/server/schema.ts). A table declared with `syncedTable(…)` flows to clients under its export name; any
 * other table is server-only. After editing, run `npm run db:generate` and commit the migration it writes to
 * db/migrations.
 */
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '@/framework/server/schema';

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
 * Each user's copilot conversation (AI SDK UI messages, as the chat panel shows them), so that it survives a
 * reload. Not synced: only the chat endpoint writes it and only `copilot.conversation` reads it, for its owner.
 */
export const copilotConversations = pgTable('copilot_conversations', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  messages: jsonb('messages').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

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
