/**
 * The todo example's one synced table (re-exported by db/schema.ts, so it is part of the app's schema module).
 */
import { boolean, doublePrecision, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { syncedTable, users } from '@/framework/server/schema';

/** The example app's todos. Each belongs to one user, who alone may read or change it. */
export const todos = syncedTable(
  pgTable(
    'todos',
    {
      /** Made by the caller (not the database) so an optimistic client and the server compute the same row. */
      id: uuid('id').primaryKey(),
      ownerId: uuid('owner_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      text: text('text').notNull(),
      completed: boolean('completed').notNull().default(false),
      /** `generating` while an action writes the text (e.g. generate-with-AI); `failed` if it gave up. */
      status: text('status', { enum: ['ready', 'generating', 'failed'] })
        .notNull()
        .default('ready'),
      /** Sort key; a double so that an item can be moved between two others without renumbering the list. */
      position: doublePrecision('position').notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (table) => [index('todos_owner_position_idx').on(table.ownerId, table.position)],
  ),
  { owner: 'ownerId', order: ['position', 'id'] },
);

export type Todo = typeof todos.$inferSelect;
