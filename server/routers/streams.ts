import { z } from 'zod';
import { streamTodoText } from '../ai/todo-text-stream';
import { CredentialRevokedError } from '../auth/credential-watch';
import { limitModelCall } from '@/framework/server';
import { router, userProcedure } from '@/framework/server';

/**
 * Streaming straight to the caller, the other way of streaming an action's output (generateTodo writes its partial
 * text through ctx.mutate, so every tab sees it; this yields it only to whoever asked, over SSE, and stores
 * nothing): a draft todo text the UI could show before the user decides to keep it.
 */
export const streamsRouter = router({
  draftTodo: userProcedure
    .input(z.object({ prompt: z.string().trim().min(1).max(300) }))
    .subscription(async function* ({ ctx, input, signal }) {
      await limitModelCall(ctx.runtime, ctx.user.id);
      // A revoked token ends the draft too (at once in this process, at the watch's next check otherwise).
      const credential = ctx.watchCredential();
      const stop = AbortSignal.any([signal ?? new AbortController().signal, credential.revoked]);
      try {
        let text = '';
        for await (const sofar of streamTodoText(ctx.db, ctx.user.id, input.prompt, stop)) {
          if (credential.revoked.aborted) break;
          text = sofar;
          yield { text, done: false };
        }
        if (credential.revoked.aborted) throw new CredentialRevokedError();
        yield { text: text.trim(), done: true };
      } catch (error) {
        throw credential.revoked.aborted ? new CredentialRevokedError() : error;
      } finally {
        credential.close();
      }
    }),
});
