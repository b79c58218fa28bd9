import { setTimeout as sleep } from 'node:timers/promises';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { todos } from '@/db/schema';
import { defineAction } from './define';

/**
 * Asynchronous, with progress: renumbers the list positions to 1, 2, 3, … one todo at a time. Enqueue it and watch
 * the run's progress bar. Idempotent (setting a position twice is harmless), as queued handlers must be.
 */
export const tidyUp = defineAction({
  description: 'Renumber the list positions (1, 2, 3, …), reporting progress.',
  input: z.object({ delayMsPerTodo: z.number().int().min(0).max(2_000).default(150) }),
  output: z.object({ renumbered: z.number().int() }),
  async run(ctx, input) {
    const rows = await ctx.db
      .select()
      .from(todos)
      .where(eq(todos.ownerId, ctx.user.id))
      .orderBy(asc(todos.position), asc(todos.id));
    let renumbered = 0;
    for (const [index, todo] of rows.entries()) {
      ctx.signal.throwIfAborted();
      if (todo.position !== index + 1) {
        await ctx.mutate('moveTodo', { id: todo.id, position: index + 1, updatedAt: new Date() });
        renumbered++;
      }
      await ctx.progress((index + 1) / rows.length, `${index + 1} of ${rows.length}`);
      if (input.delayMsPerTodo > 0) await sleep(input.delayMsPerTodo, undefined, { signal: ctx.signal });
    }
    return { renumbered };
  },
});
