import { TRPCError } from '@trpc/server';
import { streamText } from 'ai';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { providerSettings } from '@/db/schema';
import { chooseModel } from '../ai/model';
import { router, userProcedure } from '../trpc';

/**
 * Streaming straight to the caller, the other way of streaming an action's output (generateTodo writes its partial
 * text through ctx.mutate, so every tab sees it; this yields it only to whoever asked, over SSE, and stores
 * nothing): a draft todo text the UI could show before the user decides to keep it.
 */
export const streamsRouter = router({
  draftTodo: userProcedure
    .input(z.object({ prompt: z.string().trim().min(1).max(300) }))
    .subscription(async function* ({ ctx, input, signal }) {
      const [settings] = await ctx.db
        .select()
        .from(providerSettings)
        .where(eq(providerSettings.userId, ctx.user.id));
      const choice = chooseModel({ model: settings?.model, apiKey: settings?.apiKey });
      if (!choice.ok) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: choice.error });
      const result = streamText({
        model: choice.model,
        system:
          'You write one short, actionable todo item (at most 12 words). Reply with the todo text only.',
        prompt: input.prompt,
        abortSignal: signal,
      });
      let text = '';
      for await (const part of result.fullStream) {
        if (part.type === 'error')
          throw part.error instanceof Error ? part.error : new Error(String(part.error));
        if (part.type !== 'text-delta') continue;
        text += part.text;
        yield { text, done: false };
      }
      yield { text: text.trim(), done: true };
    }),
});
