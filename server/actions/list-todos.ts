import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { todos } from '@/db/schema';
import { MCP_PATH, onPages } from '@/framework/shared';
import { defineAction } from './define';

/** How many todos one call returns: a model's context is not the place for a whole database. */
export const LIST_TODOS_LIMIT = 200;

/**
 * Synchronous and read-only: the user's todos in list order, with their ids. It is how the copilot learns which
 * id to pass to tools such as setTodoCompleted or deleteTodo.
 */
export const listTodos = defineAction({
  description: `List the user's todos in order (id, text, done), at most ${LIST_TODOS_LIMIT}.`,
  tool: { availableWhen: onPages('/', MCP_PATH) },
  input: z.object({}),
  output: z.object({
    todos: z.array(z.object({ id: z.string(), text: z.string(), completed: z.boolean() })),
    truncated: z.boolean(),
  }),
  async run(ctx) {
    const rows = await ctx.db
      .select({ id: todos.id, text: todos.text, completed: todos.completed })
      .from(todos)
      .where(eq(todos.ownerId, ctx.user.id))
      .orderBy(asc(todos.position), asc(todos.id))
      .limit(LIST_TODOS_LIMIT + 1);
    return { todos: rows.slice(0, LIST_TODOS_LIMIT), truncated: rows.length > LIST_TODOS_LIMIT };
  },
});
