/**
 * The create-t3-app way, server side: one tRPC router over plain SQL on the project's own `todos` table. A commit
 * emits an in-process event; the `onChange` subscription forwards it so that other tabs invalidate and refetch
 * (the pattern of tRPC's SSE examples). Run by Node's own TypeScript type stripping: no enums, no parameter
 * properties, `import type` for types.
 */
import { EventEmitter, on } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { initTRPC, TRPCError } from '@trpc/server';
import type pg from 'pg';
import superjson from 'superjson';
import { z } from 'zod';

export interface Context {
  db: pg.Pool;
  userId: string;
  /** Milliseconds to hold a mutation before running it (the bench's "slow server"), 0 normally. */
  holdMs: number;
}

const t = initTRPC.context<Context>().create({ transformer: superjson });
const changes = new EventEmitter();
changes.setMaxListeners(0);

export interface TodoRow {
  id: string;
  text: string;
  completed: boolean;
  position: number;
}

export const appRouter = t.router({
  todo: t.router({
    list: t.procedure.query(async ({ ctx }): Promise<TodoRow[]> => {
      const { rows } = await ctx.db.query<TodoRow>(
        'select id, text, completed, position from todos where owner_id = $1 order by position',
        [ctx.userId],
      );
      return rows;
    }),
    setTodoCompleted: t.procedure
      .input(z.object({ id: z.uuid(), completed: z.boolean() }))
      .mutation(async ({ ctx, input }) => {
        if (ctx.holdMs > 0) await sleep(ctx.holdMs);
        const { rowCount } = await ctx.db.query(
          'update todos set completed = $1, updated_at = now() where id = $2 and owner_id = $3',
          [input.completed, input.id, ctx.userId],
        );
        if (rowCount === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such todo' });
        changes.emit(`change:${ctx.userId}`, { id: input.id });
        return { id: input.id };
      }),
    onChange: t.procedure.subscription(async function* ({ ctx, signal }) {
      for await (const [event] of on(changes, `change:${ctx.userId}`, { signal })) {
        yield event as { id: string };
      }
    }),
  }),
});

export type AppRouter = typeof appRouter;
