/**
 * The model call both AI examples share: the user's server-only model settings, the model from env, and the text of
 * one todo, yielded as it grows. Throws on a provider error (the AI SDK's textStream would end quietly instead).
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { streamText } from 'ai';
import { eq } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { providerSettings } from '@/db/schema';
import { chooseModel } from './model';

const DEFAULT_SYSTEM_PROMPT =
  'You write one short, actionable todo item (at most 12 words) for the request. Reply with the todo text only.';

/** Thrown when no model is configured; its message says which variables to set. */
export class ModelNotConfiguredError extends TRPCError {
  constructor(message: string) {
    super({ code: 'PRECONDITION_FAILED', message });
  }
}

/** Yields the todo text so far after every chunk the model sends. */
export async function* streamTodoText(
  db: Db,
  userId: string,
  prompt: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const [settings] = await db.select().from(providerSettings).where(eq(providerSettings.userId, userId));
  const choice = chooseModel({ model: settings?.model, apiKey: settings?.apiKey });
  if (!choice.ok) throw new ModelNotConfiguredError(choice.error);
  const result = streamText({
    model: choice.model,
    system: settings?.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
    prompt,
    abortSignal: signal,
    maxRetries: 0, // Callers decide about retries (the queue retries a whole run).
  });
  let text = '';
  for await (const part of result.fullStream) {
    if (part.type === 'error') throw part.error instanceof Error ? part.error : new Error(String(part.error));
    if (part.type !== 'text-delta') continue;
    text += part.text;
    yield text;
  }
}
