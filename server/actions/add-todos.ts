import { z } from 'zod';
import { dateInput } from '@/framework/shared';
import { defineAction } from './define';

/** Batch: many inputs in one round trip, one result per item (one bad item does not stop the others). */
export const addTodos = defineAction({
  description: 'Add several todos at once; reports a result for each.',
  input: z.object({
    items: z
      .array(z.object({ id: z.uuid(), text: z.string(), position: z.number().finite() }))
      .min(1)
      .max(100),
    createdAt: dateInput,
  }),
  output: z.object({
    results: z.array(
      z.discriminatedUnion('ok', [
        z.object({ ok: z.literal(true), id: z.string() }),
        z.object({ ok: z.literal(false), id: z.string(), error: z.string() }),
      ]),
    ),
  }),
  async run(ctx, input) {
    const results = [];
    for (const item of input.items) {
      try {
        await ctx.mutate('addTodo', { ...item, createdAt: input.createdAt });
        results.push({ ok: true as const, id: item.id });
      } catch (error) {
        results.push({
          ok: false as const,
          id: item.id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { results };
  },
});
