import { eq } from 'drizzle-orm';
import { providerSettings } from '@/db/schema';
import { router, userProcedure } from '@/framework/server';

export const settingsRouter = router({
  /** The user's model settings, with the API key reduced on purpose to whether one is saved. */
  model: userProcedure.query(async ({ ctx }) => {
    const [row] = await ctx.db
      .select()
      .from(providerSettings)
      .where(eq(providerSettings.userId, ctx.user.id));
    return {
      model: row?.model ?? null,
      systemPrompt: row?.systemPrompt ?? null,
      hasApiKey: Boolean(row?.apiKey),
    };
  }),
});
