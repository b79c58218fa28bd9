import { TRPCError } from '@trpc/server';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { todos } from '@/db/schema';
import { router, userProcedure } from '@/framework/server';

/** The example app's todos: every query is scoped to the calling user. */
export const todosRouter = router({
  /** The user's todos in list order. */
  list: userProcedure.query(({ ctx }) =>
    ctx.db
      .select()
      .from(todos)
      .where(eq(todos.ownerId, ctx.user.id))
      .orderBy(asc(todos.position), asc(todos.id)),
  ),

  /** One todo by id; NOT_FOUND also for another user's todo, so ids of others' rows leak nothing. */
  byId: userProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const [todo] = await ctx.db
      .select()
      .from(todos)
      .where(and(eq(todos.id, input.id), eq(todos.ownerId, ctx.user.id)));
    if (!todo) throw new TRPCError({ code: 'NOT_FOUND', message: `No todo with id ${input.id}` });
    return todo;
  }),
});
