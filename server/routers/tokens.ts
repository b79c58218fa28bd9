import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken, TokenLimitError } from '../auth/api-tokens';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@/framework/server';
import { router, sessionProcedure } from '@/framework/server';

/** Tokens per user: a bound on what one session can make. */
export const MAX_LIVE_TOKENS = 20;

/** API tokens of the signed-in user (a browser session; a token cannot make or revoke tokens). */
export const tokensRouter = router({
  list: sessionProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.user.id)),
  /** Makes a token and returns its value: the only time it is shown. */
  create: sessionProcedure
    .input(
      z.object({
        name: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(100, 'must be at most 100 characters')
          .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      try {
        return await createApiToken(ctx.db, ctx.user.id, input.name, { maxLive: MAX_LIVE_TOKENS });
      } catch (error) {
        if (error instanceof TokenLimitError) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
        }
        throw error;
      }
    }),
  revoke: sessionProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    if (!(await revokeApiToken(ctx.db, ctx.user.id, input.id))) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'No such live token' });
    }
  }),
});
