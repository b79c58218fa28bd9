/**
 * The database schema: one set of drizzle `pg-core` tables for PGlite and PostgreSQL alike.
 * After editing, run `npm run db:generate` and commit the migration it writes to db/migrations.
 */
import { boolean, doublePrecision, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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

/** The example app's todos. Each belongs to one user, who alone may read or change it. */
export const todos = pgTable(
  'todos',
  {
    /** Made by the caller (not the database) so an optimistic client and the server compute the same row. */
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    completed: boolean('completed').notNull().default(false),
    /** Sort key; a double so that an item can be moved between two others without renumbering the list. */
    position: doublePrecision('position').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('todos_owner_position_idx').on(table.ownerId, table.position)],
);

export type User = typeof users.$inferSelect;
export type Todo = typeof todos.$inferSelect;
