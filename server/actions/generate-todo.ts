import { TRPCError } from '@trpc/server';
import { streamText } from 'ai';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { providerSettings } from '@/db/schema';
import { chooseModel } from '../ai/model';
import { defineAction } from '../runtime/define-action';

/** How often the partial text is committed (and streamed to browsers) while the model writes. */
const WRITE_EVERY_MS = 50;
const MAX_LENGTH = 500;

/**
 * Streaming, enqueued by the addGeneratedTodo mutator: the model's text flows into the todo through ctx.mutate,
 * so every open browser sees it fill in; status goes generating → ready (or failed, with the reason as the text).
 * Reads the user's model settings from the server-only provider_settings table.
 */
export const generateTodo = defineAction({
  description: 'Write the text of a todo with an AI model, streaming it into the list.',
  input: z.object({ todoId: z.uuid(), prompt: z.string().min(1).max(300) }),
  output: z.object({ text: z.string() }),
  maxAttempts: 2,
  async run(ctx, input) {
    const [settings] = await ctx.db
      .select()
      .from(providerSettings)
      .where(eq(providerSettings.userId, ctx.user.id));
    const choice = chooseModel({ model: settings?.model, apiKey: settings?.apiKey });
    const write = (text: string, status: 'generating' | 'ready' | 'failed') =>
      ctx.mutate('writeGeneratedText', {
        id: input.todoId,
        text: text.slice(0, MAX_LENGTH),
        status,
        updatedAt: new Date(),
      });

    if (!choice.ok) {
      await write(choice.error, 'failed');
      // Not worth retrying: nothing changes until someone configures a model.
      throw new TRPCError({ code: 'PRECONDITION_FAILED', message: choice.error });
    }

    let text = '';
    let lastWrite = 0;
    try {
      const result = streamText({
        model: choice.model,
        system:
          settings?.systemPrompt ??
          'You write one short, actionable todo item (at most 12 words) for the request. Reply with the todo text only.',
        prompt: input.prompt,
        abortSignal: ctx.signal,
        maxRetries: 0, // The queue retries the whole run.
      });
      // fullStream, not textStream: textStream ends quietly on a provider error, which would look like success.
      for await (const part of result.fullStream) {
        if (part.type === 'error')
          throw part.error instanceof Error ? part.error : new Error(String(part.error));
        if (part.type !== 'text-delta') continue;
        text += part.text;
        if (Date.now() - lastWrite >= WRITE_EVERY_MS) {
          lastWrite = Date.now();
          await write(text, 'generating');
        }
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await write(`Generation failed: ${reason}`, 'failed');
      throw error;
    }
    const final = text.trim() || '(the model returned no text)';
    await write(final, 'ready');
    return { text: final };
  },
});
