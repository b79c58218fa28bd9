import { z } from 'zod';
import { dateInput } from '@/framework/shared';
import { defineAction } from './define';

/** Rows per import: enough for real lists, small enough for one transaction. */
export const IMPORT_MAX_ROWS = 5_000;

/**
 * File import (the parsing and limits live in the upload route, server/http/todos-csv.ts): adds every row in one
 * transaction, so a failure anywhere adds nothing.
 */
export const importTodos = defineAction({
  description: 'Add many todos at once, all or nothing (the CSV upload uses it).',
  input: z.object({
    rows: z
      .array(z.object({ text: z.string().trim().min(1).max(500), completed: z.boolean() }))
      .min(1)
      .max(IMPORT_MAX_ROWS),
    startPosition: z.number().finite(),
    at: dateInput,
  }),
  output: z.object({ imported: z.number().int() }),
  async run(ctx, input) {
    return ctx.transaction(async (group) => {
      for (const [index, row] of input.rows.entries()) {
        const id = crypto.randomUUID();
        await group.mutate('addTodo', {
          id,
          text: row.text,
          position: input.startPosition + index,
          createdAt: input.at,
        });
        if (row.completed)
          await group.mutate('setTodoCompleted', { id, completed: true, updatedAt: input.at });
      }
      return { imported: input.rows.length };
    });
  },
});
