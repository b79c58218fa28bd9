import { z } from 'zod';
import { streamTodoText } from '../ai/todo-text-stream';
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
      let text = '';
      for await (const sofar of streamTodoText(
        ctx.db,
        ctx.user.id,
        input.prompt,
        signal ?? new AbortController().signal,
      )) {
        text = sofar;
        yield { text, done: false };
      }
      yield { text: text.trim(), done: true };
    }),
});
