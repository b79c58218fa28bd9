/**
 * The framework's own tables: users, the change log, client mutation ids, durable action runs (a synced table),
 * approvals and rate-limit counters. The app's tables live in its own schema file (db/schema.ts); drizzle-kit reads
 * both (drizzle.config.ts) into one set of migrations.
 *
 * A table is synced when it is declared with {@link syncedTable}; every other table is server-only: not in the change
 * feed, not in the client store, not reachable from a mutator's `tx` (docs/architecture.md rule 7).
 */
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { syncedTable } from './db/synced-table-declaration';

export { syncedTable };

/**
 * Everyone who has a session. Today every user is anonymous (a signed cookie made on first visit); `kind` leaves
 * room for real sign-in without a migration of the id space.
 */
export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  kind: text('kind', { enum: ['anonymous'] })
    .notNull()
    .default('anonymous'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;

/**
 * A single-row counter. Each committing mutation increments it as its last statement, holding the row lock until
 * commit, so versions are handed out — and become visible — strictly in commit order (no gaps for readers).
 */
export const syncState = pgTable('sync_state', {
  id: integer('id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
});

/** One row per committed (or permanently failed) mutation: what the change feed walks, in version order. */
export const syncCommits = pgTable(
  'sync_commits',
  {
    version: bigint('version', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id').notNull(),
    mutator: text('mutator').notNull(),
    /** The browser tab (or script) that sent it, with its own sequence number: confirms its optimistic effect. */
    clientId: text('client_id'),
    mutationId: bigint('mutation_id', { mode: 'number' }),
    /** Set when the mutation failed permanently: it consumed its id but changed nothing. */
    error: jsonb('error').$type<{ code: string; message: string }>(),
    committedAt: timestamp('committed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('sync_commits_user_version_idx').on(table.userId, table.version)],
);

/** The row-level changes of each commit, in the order the mutator made them. */
export const syncChanges = pgTable(
  'sync_changes',
  {
    version: bigint('version', { mode: 'number' }).notNull(),
    seq: integer('seq').notNull(),
    tableName: text('table_name').notNull(),
    rowId: uuid('row_id').notNull(),
    op: text('op', { enum: ['set', 'delete'] }).notNull(),
    /** The row as committed (superjson, so Dates stay Dates); null for a delete. */
    row: jsonb('row'),
    /** Who may read this change (the row's owner): the feed filters on it. */
    ownerId: uuid('owner_id').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.version, table.seq] }),
    index('sync_changes_owner_version_idx').on(table.ownerId, table.version),
  ],
);

/** The last mutation id applied per client, written in the same transaction as the mutation (idempotency). */
export const clientMutations = pgTable(
  'client_mutations',
  {
    userId: uuid('user_id').notNull(),
    clientId: text('client_id').notNull(),
    lastMutationId: bigint('last_mutation_id', { mode: 'number' }).notNull(),
    /** The error of `lastMutationId` if it failed, so a retry of it gets the same answer. */
    lastError: jsonb('last_error').$type<{ code: string; message: string }>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.clientId] }),
    // Retention (framework/server/runtime/retention.ts) prunes clients idle for longer than a window.
    index('client_mutations_updated_idx').on(table.updatedAt),
  ],
);

/**
 * Durable action runs, enqueued by mutators (`tx.enqueueAction`) in the same commit as the mutation.
 * A synced table: clients see their runs' status and progress through the change feed.
 */
export const actionRuns = syncedTable(
  pgTable(
    'action_runs',
    {
      id: uuid('id').primaryKey(),
      ownerId: uuid('owner_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      action: text('action').notNull(),
      input: jsonb('input').notNull(),
      status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] })
        .notNull()
        .default('queued'),
      attempts: integer('attempts').notNull().default(0),
      maxAttempts: integer('max_attempts').notNull().default(3),
      /** 0..1 while running, with an optional message for the UI. */
      progress: doublePrecision('progress'),
      progressMessage: text('progress_message'),
      result: jsonb('result'),
      error: text('error'),
      /** Not before this time (retry backoff). */
      runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
      /** While running: the claim expires then, and another worker may take the run over (its process died). */
      leaseUntil: timestamp('lease_until', { withTimezone: true }),
      cancelRequested: boolean('cancel_requested').notNull().default(false),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (table) => [
      index('action_runs_status_idx').on(table.status, table.runAfter),
      // The snapshot's recent runs of one user, and retention's finished runs past their window.
      index('action_runs_owner_created_idx').on(table.ownerId, table.createdAt),
      index('action_runs_status_updated_idx').on(table.status, table.updatedAt),
    ],
  ),
  { owner: 'ownerId', order: ['createdAt', 'id'] },
);

export type ActionRun = typeof actionRuns.$inferSelect;

/**
 * Where each action run was enqueued, as a W3C traceparent, so the span of its execution (in any process, later)
 * joins the enqueuing trace. Server-only: trace ids never enter the synced `action_runs` row. Written only while
 * tracing is on; goes with its run.
 */
export const actionRunTraces = pgTable('action_run_traces', {
  runId: uuid('run_id')
    .primaryKey()
    .references(() => actionRuns.id, { onDelete: 'cascade' }),
  traceParent: text('trace_parent').notNull(),
});

/**
 * The secret fields of an enqueued run's input (an action's `secret` fields, e.g. an API key), kept out of the synced
 * `action_runs.input`. The worker merges them back in; the row is deleted as soon as the run finishes.
 */
export const actionRunSecrets = pgTable('action_run_secrets', {
  runId: uuid('run_id')
    .primaryKey()
    .references(() => actionRuns.id, { onDelete: 'cascade' }),
  input: jsonb('input').notNull(),
});

/**
 * Tool approvals the copilot asked for, so that each is honoured once: recorded when the approval request is sent,
 * marked used (one conditional UPDATE, so two concurrent posts cannot both win) before the tool runs. Rows older
 * than the approval lifetime are deleted, and an approval without its row is refused (framework/server/runtime/tool-approvals.ts).
 */
export const toolApprovals = pgTable(
  'tool_approvals',
  {
    approvalId: text('approval_id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    toolName: text('tool_name').notNull(),
    toolCallId: text('tool_call_id').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (table) => [index('tool_approvals_issued_idx').on(table.issuedAt)],
);

/**
 * Rate-limit counters shared by every server process (rate-limiter-flexible's RateLimiterDrizzle store): one row per
 * key (`model:<userId>`, `visitor:<address>`), its points in the current window and when the window ends. Expired
 * rows are deleted by the limiter itself (an hour after they expire), so the table stays as small as the active keys.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull(),
  expire: timestamp('expire', { withTimezone: true }),
});
