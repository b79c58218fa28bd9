import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { dateInput } from '@/framework/shared';
import { todos } from '@/db/schema';
import { defineAction } from './define';

/**
 * Transactional: several steps, all or nothing. (1) add a summary todo naming what was done, (2) delete every
 * completed todo, (3) renumber the rest. If any step fails, none of it happened: not in the database, not in the
 * change feed, not in any browser.
 */
export const startFresh = defineAction({
  description: 'Replace the completed todos with one summary todo and renumber the list, all or nothing.',
  tool: {
    availableWhen: (context) => context.url?.pathname === '/',
    needsApproval: true,
    fill: { summaryId: (call) => call.newId(), at: (call) => call.now },
    describe: () => 'Replace your completed todos with one summary todo and renumber the list?',
  },
  input: z.object({ summaryId: z.uuid(), at: dateInput }),
  output: z.object({ archived: z.number().int() }),
  async run(ctx, input) {
    return ctx.transaction(async (group) => {
      const rows = await group.db
        .select()
        .from(todos)
        .where(eq(todos.ownerId, ctx.user.id))
        .orderBy(asc(todos.position), asc(todos.id));
      const done = rows.filter((row) => row.completed);
      if (done.length === 0) return { archived: 0 };
      const summary = `Done: ${done.map((row) => row.text).join('; ')}`.slice(0, 500);
      await group.mutate('addTodo', { id: input.summaryId, text: summary, position: 0, createdAt: input.at });
      for (const row of done) await group.mutate('deleteTodo', { id: row.id });
      const open = rows.filter((row) => !row.completed);
      for (const [index, row] of open.entries()) {
        await group.mutate('moveTodo', { id: row.id, position: index + 1, updatedAt: input.at });
      }
      return { archived: done.length };
    });
  },
});
