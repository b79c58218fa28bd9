import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { todos } from '@/db/schema';
import { defineAction } from './define';

/** Synchronous: the caller awaits a typed result. */
export const summarizeTodos = defineAction({
  description: "Count the user's todos and name the oldest open one.",
  tool: {},
  input: z.object({}),
  output: z.object({
    total: z.number().int(),
    done: z.number().int(),
    open: z.number().int(),
    oldestOpen: z.string().nullable(),
  }),
  async run(ctx) {
    const rows = await ctx.db
      .select({ text: todos.text, completed: todos.completed })
      .from(todos)
      .where(eq(todos.ownerId, ctx.user.id))
      .orderBy(asc(todos.createdAt));
    const open = rows.filter((row) => !row.completed);
    const [oldest] = await ctx.db
      .select({ text: todos.text })
      .from(todos)
      .where(and(eq(todos.ownerId, ctx.user.id), eq(todos.completed, false)))
      .orderBy(asc(todos.createdAt))
      .limit(1);
    return {
      total: rows.length,
      done: rows.length - open.length,
      open: open.length,
      oldestOpen: oldest?.text ?? null,
    };
  },
});
