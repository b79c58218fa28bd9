/**
 * The app's real mutator procedures next to a bench-only `bench.bareInsert`: the same insert of one todo, with the
 * same input schema, but as one plain drizzle statement — no executor, no transaction, no change log. The gap between
 * the two is what the data path costs per mutation.
 */
import { todos } from '@/db/schema';
import { addTodo } from '@/mutators/todos';
import { syncServer } from '@/server/sync';
import { router, userProcedure } from '@/framework/server';

const bareInsert = userProcedure.input(addTodo.input).mutation(async ({ ctx, input }) => {
  await ctx.db.insert(todos).values({
    id: input.id,
    ownerId: ctx.user.id,
    text: input.text,
    completed: false,
    position: input.position,
    createdAt: input.createdAt,
    updatedAt: input.createdAt,
  });
  return null;
});

export const benchRouter = router({
  mutators: syncServer.routers.mutators,
  bench: router({ bareInsert }),
});

export type BenchRouter = typeof benchRouter;
