import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { providerSettings } from '@/db/schema';
import { chooseModel } from '../ai/model';
import { deleteThread, listThreads, loadThread, renameThread, THREAD_LIMITS } from '../copilot/threads';
import { router, userProcedure } from '@/framework/server';

/** A thread id as the panel makes them (the chat endpoint accepts the same). */
const threadId = z.string().regex(/^[a-zA-Z0-9_-]{1,100}$/, 'must be 1 to 100 letters, digits, _ or -');

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'No such thread' });

/**
 * What the chat panel reads besides the chat stream itself (POST /api/chat): the model status and the user's
 * threads. Threads are read through queries rather than synced: they are server-only (tool results, what the user
 * typed) and only the panel of the user who asks needs them, on demand.
 */
export const copilotRouter = router({
  /** Whether a model is configured for this user; if not, the message names the variable to set. */
  status: userProcedure.query(async ({ ctx }) => {
    const [settings] = await ctx.db
      .select({ model: providerSettings.model, apiKey: providerSettings.apiKey })
      .from(providerSettings)
      .where(eq(providerSettings.userId, ctx.user.id));
    const choice = chooseModel({ model: settings?.model, apiKey: settings?.apiKey });
    return choice.ok
      ? { configured: true as const, provider: choice.provider, model: choice.modelId }
      : { configured: false as const, message: choice.error };
  }),
  /** The user's threads, most recently used first. */
  threads: userProcedure.query(({ ctx }) => listThreads(ctx.db, ctx.user.id)),
  /** One thread's messages, to show it; an id with no thread yet is an empty new one. */
  thread: userProcedure.input(z.object({ id: threadId })).query(async ({ ctx, input }) => {
    const thread = await loadThread(ctx.db, ctx.user.id, input.id);
    return { id: input.id, title: thread?.title ?? 'New chat', messages: thread?.messages ?? [] };
  }),
  rename: userProcedure
    .input(
      z.object({
        id: threadId,
        title: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(THREAD_LIMITS.maxTitleChars, `must be at most ${THREAD_LIMITS.maxTitleChars} characters`),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (!(await renameThread(ctx.db, ctx.user.id, input.id, input.title))) throw notFound();
    }),
  delete: userProcedure.input(z.object({ id: threadId })).mutation(async ({ ctx, input }) => {
    if (!(await deleteThread(ctx.db, ctx.user.id, input.id))) throw notFound();
  }),
});
