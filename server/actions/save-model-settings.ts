import { z } from 'zod';
import { providerSettings } from '@/db/schema';
import { defineAction } from './define';

/**
 * Saves the user's model settings in the server-only provider_settings table. The API key is write-only: it is
 * stored, used by the AI actions, and never returned — the result (like settings.model) only says whether one is set.
 */
export const saveModelSettings = defineAction({
  description: "Save the user's model id, system prompt and own API key (write-only).",
  tool: {
    availableWhen: (context) => context.url?.pathname === '/settings',
    needsApproval: true,
    describe: (input) => {
      const model =
        typeof input.model === 'string' && input.model ? `‘${input.model}’` : 'the server default';
      const key =
        input.apiKey === undefined
          ? ''
          : input.apiKey === null
            ? ', and remove your API key'
            : ', and replace your API key';
      return `Save your model settings: model ${model}${input.systemPrompt ? ', with a new system prompt' : ''}${key}?`;
    },
  },
  // A key must never reach a synced run row; and a durable run of a settings save has no use, so no enqueue.<name>.
  secret: ['apiKey'],
  clientEnqueue: false,
  input: z.object({
    model: z.string().trim().max(100).nullable(),
    systemPrompt: z.string().trim().max(2_000).nullable(),
    /** undefined: keep the saved key; null: remove it; a string: replace it. */
    apiKey: z.string().trim().min(8, 'looks too short for an API key').max(300).nullable().optional(),
  }),
  output: z.object({
    model: z.string().nullable(),
    systemPrompt: z.string().nullable(),
    hasApiKey: z.boolean(),
  }),
  async run(ctx, input) {
    const values = {
      userId: ctx.user.id,
      model: input.model || null,
      systemPrompt: input.systemPrompt || null,
      updatedAt: new Date(),
      ...(input.apiKey === undefined ? {} : { apiKey: input.apiKey }),
    };
    // Server-only rows are written directly: they are not synced, so there is nothing to log or stream.
    const [saved] = await ctx.db
      .insert(providerSettings)
      .values(values)
      .onConflictDoUpdate({ target: providerSettings.userId, set: values })
      .returning();
    return {
      model: saved?.model ?? null,
      systemPrompt: saved?.systemPrompt ?? null,
      hasApiKey: Boolean(saved?.apiKey),
    };
  },
});
