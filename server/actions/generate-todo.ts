import { z } from 'zod';
import { describeProviderFailure } from '@/framework/server';
import { ModelNotConfiguredError, streamTodoText } from '../ai/todo-text-stream';
import { defineAction } from './define';

/**
 * At most how often the partial text is committed (and streamed to browsers) while the model writes; the final
 * text always is. Every commit is a change-log row until retention removes it, so partials are coalesced.
 */
const WRITE_EVERY_MS = 250;
const MAX_LENGTH = 500;

/**
 * Streaming, enqueued by the addGeneratedTodo mutator: the model's text flows into the todo through ctx.mutate,
 * so every open browser sees it fill in; status goes generating → ready (or failed, with our own reason as the text:
 * the todo is synced, and a provider's error text can quote the API key).
 * The model settings come from the user's server-only provider_settings row.
 */
export const generateTodo = defineAction({
  // Enqueued by the addGeneratedTodo mutator in its own commit; clients call that, never this directly.
  internal: true,
  description: 'Write the text of a todo with an AI model, streaming it into the list.',
  input: z.object({ todoId: z.uuid(), prompt: z.string().min(1).max(300) }),
  output: z.object({ text: z.string() }),
  maxAttempts: 2,
  callsModel: true,
  async run(ctx, input) {
    const write = (text: string, status: 'generating' | 'ready' | 'failed') =>
      ctx.mutate('writeGeneratedText', {
        id: input.todoId,
        text: text.slice(0, MAX_LENGTH),
        status,
        updatedAt: new Date(),
      });
    let text = '';
    let lastWrite = 0;
    try {
      for await (const sofar of streamTodoText(ctx.db, ctx.user.id, input.prompt, ctx.signal)) {
        text = sofar;
        if (Date.now() - lastWrite >= WRITE_EVERY_MS) {
          lastWrite = Date.now();
          await write(text, 'generating');
        }
      }
    } catch (error) {
      // Not configured: the message is ours and says what to set (the queue does not retry it: PRECONDITION_FAILED).
      if (error instanceof ModelNotConfiguredError) {
        await write(error.message, 'failed');
        throw error;
      }
      // The provider's own error is logged in full by the executor (action-executor.ts) as it is rethrown.
      await write(
        `Generation failed: ${describeProviderFailure(error)} (details in the server log)`,
        'failed',
      );
      throw error;
    }
    const final = text.trim() || '(the model returned no text)';
    await write(final, 'ready');
    return { text: final };
  },
});
