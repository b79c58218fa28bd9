import { eq } from 'drizzle-orm';
import { providerSettings } from '@/db/schema';
import { chooseModel } from '../ai/model';
import { clearConversation, loadConversation } from '../copilot/conversation';
import { router, userProcedure } from '@/framework/server';

/** What the chat panel reads besides the chat stream itself (POST /api/chat). */
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
  /** The saved conversation, to show again after a reload. */
  conversation: userProcedure.query(({ ctx }) => loadConversation(ctx.db, ctx.user.id)),
  /** Starts over: forgets the saved conversation. */
  clear: userProcedure.mutation(({ ctx }) => clearConversation(ctx.db, ctx.user.id)),
});
